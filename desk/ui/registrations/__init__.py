"""The attendee list and the sync from the portal."""
