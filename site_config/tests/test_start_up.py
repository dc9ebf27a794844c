"""The example site's start-up from its environment variables (design.md's contract): `manage.py
check` in a process of its own reports every problem at once and stops on an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _django_setup(**env: str) -> subprocess.CompletedProcess[str]:
    return _run_django(["-c", "import django; django.setup()"], **env)


def _manage_check(**env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check`: every start-up problem at once, and a non-zero exit on an error."""
    return _run_django(["manage.py", "check"], **env)


def _run_django(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    contract = {
        "SECRET_KEY",
        "DEBUG",
        "DATABASE_URL",
        "REDIS_URL",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_USERNAME",
        "TELEGRAM_WEBHOOK_SECRET",
        "TELEGRAM_API_BASE_URL",
        "TELEGRAM_LOGIN_TTL",
    }
    clean = {k: v for k, v in os.environ.items() if k not in contract}
    clean.update(DJANGO_SETTINGS_MODULE="site_config.settings", **env)
    return subprocess.run(
        [sys.executable, *args],
        env=clean,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


BOT_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789",
    "TELEGRAM_BOT_TOKEN": "4242:TOKEN",
    "TELEGRAM_BOT_USERNAME": "good_login_bot",
}


def test_production_start_up_with_a_full_configuration_succeeds():
    result = _manage_check(DEBUG="false", TELEGRAM_WEBHOOK_SECRET="s" * 32, **BOT_ENV)
    assert result.returncode == 0, result.stderr
    assert "telegram_login." not in result.stderr


def test_production_start_up_without_secret_key_fails():
    result = _django_setup(DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_start_up_with_a_bot_but_no_webhook_secret_fails():
    result = _manage_check(DEBUG="false", **BOT_ENV)
    assert result.returncode != 0
    assert "SystemCheckError" in result.stderr
    assert "telegram_login.E015" in result.stderr
    assert "TELEGRAM_LOGIN_WEBHOOK_SECRET" in result.stderr


def test_production_start_up_with_a_ttl_over_ten_minutes_fails():
    result = _manage_check(
        DEBUG="false", TELEGRAM_WEBHOOK_SECRET="s" * 32, TELEGRAM_LOGIN_TTL="900", **BOT_ENV
    )
    assert result.returncode != 0
    assert "TELEGRAM_LOGIN_TTL is 900" in result.stderr


def test_start_up_reports_every_problem_at_once():
    result = _manage_check(
        DEBUG="false", TELEGRAM_WEBHOOK_SECRET="s", TELEGRAM_LOGIN_TTL="900", **BOT_ENV
    )
    assert result.returncode != 0
    assert "telegram_login.E011" in result.stderr
    assert "telegram_login.E017" in result.stderr


def test_production_start_up_with_the_sandbox_and_a_bot_token_fails():
    result = _manage_check(
        DEBUG="false", TELEGRAM_SANDBOX="true", TELEGRAM_WEBHOOK_SECRET="s" * 32, **BOT_ENV
    )
    assert result.returncode != 0
    assert "telegram_login.E101" in result.stderr
    assert "never runs next to a real bot" in result.stderr


def test_staging_start_up_with_the_sandbox_warns_that_anyone_can_play_any_user():
    result = _manage_check(
        DEBUG="false", TELEGRAM_SANDBOX="true", SECRET_KEY="a-long-random-staging-secret-0123456789"
    )
    assert result.returncode == 0, result.stderr
    assert "anyone who can reach this site can play any Telegram user" in result.stderr


def test_production_start_up_with_a_one_character_webhook_secret_fails():
    result = _manage_check(DEBUG="false", TELEGRAM_WEBHOOK_SECRET="s", **BOT_ENV)
    assert result.returncode != 0
    assert "TELEGRAM_LOGIN_WEBHOOK_SECRET is 1 characters long" in result.stderr
