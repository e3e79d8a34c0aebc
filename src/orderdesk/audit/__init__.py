"""Audit trail of every state change and login attempt, and per-field change history."""
