"""Exports of filtered item and order lists: CSV, JSON, NDJSON, XML (streamed), XLSX, PDF."""
