"""Import targets, one module each: items, orders (with lines), users (customers)."""
