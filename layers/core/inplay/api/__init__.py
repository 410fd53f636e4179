"""Read models and queries behind the REST API (the handler only routes and validates)."""
