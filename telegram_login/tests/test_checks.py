"""The app's start-up checks (telegram_login/checks.py) that warn of what a site leaves out."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import modify_settings

from telegram_login.compat import IMMEDIATE_BACKEND

pytestmark = pytest.mark.django_db


def test_a_check_warns_where_nothing_keeps_the_bots_messages(settings):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_BACKEND}}
    assert [m.id for m in checks.run_checks() if m.id == "telegram_login.W007"] == [
        "telegram_login.W007"
    ]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert not [m for m in checks.run_checks() if m.id == "telegram_login.W007"]


def test_a_check_warns_that_alerts_need_allauths_sessions(settings):
    assert not [m for m in checks.run_checks() if m.id == "telegram_login.W006"]
    with modify_settings(INSTALLED_APPS={"remove": ["allauth.usersessions"]}):
        found = [m for m in checks.run_checks() if m.id == "telegram_login.W006"]
    assert "no sign-in alerts" in found[0].msg
