"""Order types with status workflows, orders, lines, numbering and history."""
