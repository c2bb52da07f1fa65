"""Rooms: the programme, its validation, and who is in which room."""
