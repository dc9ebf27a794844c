"""The site's tests use the package's fixtures: a bot behind a fake Bot API, Telegram users;
the package tests share the wheels, built once."""

from site_config.tests.package_support import sources, wheel, wheels  # noqa: F401
from telegram_login.tests.fixtures import *  # noqa: F403
from telegram_login.tests.fixtures import _bot_settings  # noqa: F401
