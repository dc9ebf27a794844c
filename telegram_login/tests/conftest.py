"""The package's tests run on their own settings (telegram_login.tests.settings)."""

from .fixtures import *  # noqa: F403
from .fixtures import _bot_settings  # noqa: F401
