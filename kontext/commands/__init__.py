"""One module per CLI command (or command group); kontext/cli.py loads them lazily."""
