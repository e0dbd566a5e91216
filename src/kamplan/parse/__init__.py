"""The positioned YAML reader: plain scalars kept as written, positions of every node, a fast path."""
