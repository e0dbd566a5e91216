"""Editing plans from the browser (``kamplan serve --edit``): edits to text, checked, written, undone."""
