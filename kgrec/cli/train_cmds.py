"""`kgrec` commands for the train area (registered on import)."""
