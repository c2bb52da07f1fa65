"""Badges: signed badge codes and the layout of a badge."""
