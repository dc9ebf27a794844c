"""The app's data migrations, run forwards and backwards on rows like a site's."""

from __future__ import annotations

from importlib import import_module

import pytest
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_the_provider_id_migration_moves_this_apps_accounts_and_leaves_allauths_widget_ones():
    ours = SocialAccount.objects.create(
        user=User.objects.create_user(username="ours"),
        provider="telegram",
        uid="1",
        extra_data={"id": 1, "first_name": "A"},
    )
    widget = SocialAccount.objects.create(
        user=User.objects.create_user(username="widget"),
        provider="telegram",
        uid="2",
        extra_data={"id": 2, "auth_date": 1700000000, "hash": "abc"},
    )
    migration = import_module("telegram_login.migrations.0005_provider_id")

    migration.forwards(apps, None)

    ours.refresh_from_db()
    widget.refresh_from_db()
    assert ours.provider == "telegram_login"
    assert widget.provider == "telegram"
    migration.backwards(apps, None)
    ours.refresh_from_db()
    assert ours.provider == "telegram"
