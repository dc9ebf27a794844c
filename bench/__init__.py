"""`make bench`: the hot paths under load against gunicorn, each figure a ratio to a reference."""
