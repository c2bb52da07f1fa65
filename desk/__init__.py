"""desk: the on-site desks of a conference."""

__version__ = "0.1.0"
