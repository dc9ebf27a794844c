"""Sign in to a Django site with Telegram through a bot deep link, as a django-allauth provider."""
