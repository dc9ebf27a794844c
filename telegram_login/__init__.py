"""Sign in to a Django site with Telegram through a bot deep link, as a django-allauth provider."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("telegram-login")
except PackageNotFoundError:  # run from a source checkout that is not installed
    __version__ = "0+unknown"
