"""The entrance page."""
