"""Rooms: door scans, occupancy, the programme and attendance exports."""
