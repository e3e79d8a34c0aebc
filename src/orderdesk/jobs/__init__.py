"""Background jobs: job rows in our database are the truth; a taskiq broker carries them."""
