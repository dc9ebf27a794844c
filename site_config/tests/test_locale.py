"""The example site's own Russian catalogue (its pages beside the app's)."""

from pathlib import Path

from django.conf import settings

from telegram_login.tests.helpers import assert_catalogue_complete


def test_site_russian_catalogue_is_complete_and_compiled():
    assert_catalogue_complete(Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES")
