"""Registrations: sync from portal files and the feed, and the search desks use."""
