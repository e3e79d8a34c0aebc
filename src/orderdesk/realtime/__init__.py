"""Domain events: transactional outbox, event bus, WebSocket delivery."""
