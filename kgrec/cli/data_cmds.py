"""`kgrec` commands for the data area (registered on import)."""
