"""The language server for plan files (``kamplan lsp``): diagnostics, completion, hover, navigation, rename."""
