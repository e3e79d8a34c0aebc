"""The Telegram Mini App storefront served at /app: catalog, cart, checkout, my orders."""
