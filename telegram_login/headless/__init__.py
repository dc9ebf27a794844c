"""The deep link for single-page and mobile apps, through allauth.headless."""
