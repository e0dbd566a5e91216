"""Files on disk -> plan sources: discovery, kamplan.yaml, plan files and folder plans, CRM exports."""
