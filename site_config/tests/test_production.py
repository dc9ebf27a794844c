"""The production configuration: deploy checks, security headers, and no secrets in the logs."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import responses
from django.conf import settings as django_settings

from site_config.deploy_checks import per_process_cache_problem
from site_config.logging import RedactSecrets
from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.tests.helpers import (
    API_BASE_URL,
    BOT_TOKEN,
    WEBHOOK_SECRET,
    poll,
    start_sign_in,
)

REPO = Path(__file__).resolve().parents[2]


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DJANGO_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="login.example.com",
        CSRF_TRUSTED_ORIGINS="https://login.example.com",
        TELEGRAM_BOT_TOKEN="123456:" + "A" * 35,
        TELEGRAM_BOT_USERNAME="example_login_bot",
        TELEGRAM_WEBHOOK_SECRET=secrets.token_urlsafe(32),
    )
    env.update(extra)
    return env


def test_check_deploy_reports_nothing_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_carry_a_nonce_csp_and_frame_denial(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert client.get("/accounts/login/")["Content-Security-Policy"] != policy


def test_console_log_handler_redacts_secrets():
    handler = django_settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["redact_secrets"]
    assert django_settings.LOGGING["filters"]["redact_secrets"]["()"].endswith("RedactSecrets")


@pytest.mark.django_db
def test_logs_never_hold_the_login_token_bot_token_or_webhook_secret(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(n) for n in ("telegram_login", "django", "urllib3"))]
    old_levels = [lg.level for lg in loggers]
    root.addHandler(handler)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    try:
        login_request, token, _ = start_sign_in(browser_client)
        user = telegram_user()
        post_update(telegram_update(message=(user, f"/start {token}")))
        post_update(telegram_update(message=(user, f"here it is: {token}")))
        post_update({"update_id": 1}, secret="wrong-" + WEBHOOK_SECRET)
        post_update(None, raw=b"{not json")
        login_request.refresh_from_db()
        # Telegram is unreachable when the bot edits its message: that failure is logged.
        bot_api_url = f"{API_BASE_URL}/bot{BOT_TOKEN}/editMessageText"
        with responses.RequestsMock() as outage:
            outage.add(
                responses.POST, bot_api_url, body=requests.ConnectionError(f"refused {bot_api_url}")
            )
            outage.add_passthru("http://")
            post_update(
                telegram_update(
                    callback=(
                        user,
                        callback_data(login_request, ACTION_CODE, login_request.match_code),
                    )
                )
            )
        poll(browser_client, login_request, shown="claimed")
        # Whatever else might log them, e.g. a library logging a request URL.
        logging.getLogger("urllib3.connectionpool").debug(
            '"POST /bot%s/sendMessage HTTP/1.1" 200', BOT_TOKEN
        )
        logging.getLogger("telegram_login").info("secret %s token %s", WEBHOOK_SECRET, token)
    finally:
        root.removeHandler(handler)
        for lg, level in zip(loggers, old_levels, strict=True):
            lg.setLevel(level)
    output = stream.getvalue()
    assert "editMessageText failed" in output
    assert "[redacted]" in output
    for secret_value in (token, BOT_TOKEN, WEBHOOK_SECRET):
        assert secret_value not in output


# -- limits and headers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "workers", "debug", "allowed", "refused"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", 2, False, False, True),
        ("django.core.cache.backends.locmem.LocMemCache", 1, False, False, False),
        ("django.core.cache.backends.locmem.LocMemCache", 4, True, False, False),
        ("django.core.cache.backends.locmem.LocMemCache", 4, False, True, False),
        ("django.core.cache.backends.redis.RedisCache", 4, False, False, False),
    ],
)
def test_per_process_cache_with_several_workers_is_refused_unless_chosen(
    backend, workers, debug, allowed, refused
):
    problem = per_process_cache_problem(
        caches={"default": {"BACKEND": backend}}, workers=workers, debug=debug, allowed=allowed
    )
    assert (problem is not None) is refused


def test_gunicorn_refuses_to_start_workers_with_a_cache_each(tmp_path):
    env = _production_env(WEB_CONCURRENCY="2", STATIC_ROOT=str(tmp_path))
    env.pop("REDIS_URL", None)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    result = subprocess.run(
        [gunicorn, "-c", "site_config/gunicorn.py", "--bind", "127.0.0.1:0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Refusing to start: 2 gunicorn workers would each keep their own cache" in (
        result.stdout + result.stderr
    )


@pytest.mark.django_db
def test_admin_sign_in_goes_through_the_rate_limited_site_sign_in(client):
    from telegram_login.tests.flows import PASSWORD, email_user

    staff = email_user("admin@example.test", is_staff=True, is_superuser=True)
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    # The admin's own form takes no password any more.
    posted = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_pages_carry_a_permissions_policy(client):
    policy = client.get("/accounts/login/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


@pytest.mark.parametrize(("workers", "refused"), [(1, False), (2, True)])
def test_a_sandbox_site_runs_one_worker(workers, refused):
    from site_config.deploy_checks import sandbox_problem

    assert (sandbox_problem(sandbox=True, workers=workers) is not None) is refused
    assert sandbox_problem(sandbox=False, workers=workers) is None
