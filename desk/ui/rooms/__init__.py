"""The door page, the programme editor and the occupancy board."""
