"""Reconciliation: pair records of two sources by keys, a time window and amounts."""
