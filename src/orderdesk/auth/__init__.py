"""Users, passwords, tokens, login lockout and rate limits."""
