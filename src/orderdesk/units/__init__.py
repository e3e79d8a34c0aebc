"""Units: departments, branches, shops, facilities — the scope of staff access."""
