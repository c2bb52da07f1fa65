"""The entrance: check-in, undo, counters, the paper checklist, scanning files."""
