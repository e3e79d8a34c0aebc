"""Database access: engine, sessions, portable column types, migrations."""
