"""Import and export: readers for 12 formats, mapping, preview, bulk commit, writers."""
