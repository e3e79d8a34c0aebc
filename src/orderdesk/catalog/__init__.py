"""Item types with attribute schemas, categories and items."""
