"""Queries and bulk writes of the vehicles service; they take a session and never commit."""
