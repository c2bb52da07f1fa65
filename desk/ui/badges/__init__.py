"""The badge printing page."""
