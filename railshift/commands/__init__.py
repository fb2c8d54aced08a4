"""railshift commands: each validates, then runs inside one transaction it owns."""
