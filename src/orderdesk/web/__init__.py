"""Web UI: templates and vendored static assets (the UI itself arrives with a later issue)."""
