"""Telegram: the customer bot, staff notifications, the Mini App and Telegram logins."""
