"""Matchmaking: files, schedules, publication, the day's presence and outcomes, paper."""
