"""Matchmaking: the problem, its files, the scheduler, plans and reviews."""
