"""orderdesk — catalog, orders and workflows for small businesses."""

__version__ = "0.1.0"
