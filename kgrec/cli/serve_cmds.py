"""`kgrec` commands for the serve area (registered on import)."""
