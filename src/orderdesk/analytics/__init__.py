"""Order statistics for the CLI (`orderdesk stats`) and the bot's /stats."""
