"""Files: storage backends, attachments on items and orders, upload validation."""
