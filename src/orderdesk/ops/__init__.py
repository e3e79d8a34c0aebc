"""Operations: health, metrics, logging, middleware."""
