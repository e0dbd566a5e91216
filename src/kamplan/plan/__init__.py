"""The plan format: pydantic models, field types, schema errors, JSON Schema."""
