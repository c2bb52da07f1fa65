"""The organiser's matchmaking page and the table board."""
