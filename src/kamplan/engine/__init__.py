"""One engine for every command: per-plan work units, a content-keyed cache, parallel cold runs, a portfolio step."""
