"""The event's own screens: the first-run chooser and the New event / Event… form."""
