"""What two or more lantian services need: config, db, auth, errors, identifiers, time, HTTP client."""
