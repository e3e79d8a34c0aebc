"""Imports every reader module so their `@reader` registrations run."""
