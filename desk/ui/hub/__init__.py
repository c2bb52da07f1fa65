"""The hub in the window: the status-bar indicator and the background sync's Qt glue."""
