"""Cross-cutting pieces: errors, i18n, permissions, pagination, middleware."""
