"""Org charts: DOT and Mermaid building, and the renderers that turn DOT into pictures."""
