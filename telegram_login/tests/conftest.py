"""The package's tests run on their own settings (telegram_login.tests.settings)."""

from __future__ import annotations

import pytest
from django.conf import settings

from telegram_login.tests.fixtures import *  # noqa: F403
from telegram_login.tests.fixtures import _bot_settings  # noqa: F401

SETTINGS_MODULE = "telegram_login.tests.settings"


def pytest_configure(config: pytest.Config) -> None:
    # The example site's settings would test its pages, not the app's: say how to run these.
    if settings.SETTINGS_MODULE != SETTINGS_MODULE:
        raise pytest.UsageError(
            f"The app's tests run on its own minimal site, not on {settings.SETTINGS_MODULE}: "
            f"pytest --ds {SETTINGS_MODULE} telegram_login (make unit runs both)."
        )
