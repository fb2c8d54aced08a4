"""Commands of the vehicles service: each owns one transaction (commit at the end, roll back on error)."""
