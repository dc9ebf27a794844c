"""The example site with Telegram's login page set up: the sign-in page and connected accounts
offer it under the widget, and the Content-Security-Policy lets the browser go there."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.test import Client

from site_config.logging import RedactSecrets
from telegram_login.tests.flows import email_user, sign_in_with_password
from telegram_login.tests.helpers import BROWSER_UA
from telegram_login.tests.oidc_support import *  # noqa: F403  the fixtures
from telegram_login.tests.oidc_support import (
    CLIENT_SECRET,
    ISSUER,
    LOGIN_URL,
    answer_in_telegram,
    start_oidc,
)

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_offers_telegrams_login_page_as_a_small_link_under_the_widget(
    oidc_issuer,
):
    page = Client().get("/accounts/login/?next=/profile/").content.decode()
    widget = page.index('data-testid="telegram-start"')
    button = page.index('data-testid="telegram-oidc-start"')
    email = page.index("or with email")
    assert widget < button < email
    assert f'action="{LOGIN_URL}"' in page
    assert 'name="next" value="/profile/"' in page[widget:email]
    assert re.search(
        r'<button type="submit" class="telegram-oidc-link" data-testid="telegram-oidc-start">'
        r"Or sign in on Telegram's website</button>",
        page,
    )
    # One line, no paragraph of its own: it steps aside while a sign-in runs.
    assert 'class="telegram-oidc telegram-login-others"' in page
    assert "goes through our bot" not in page


def sign_in_page_form_action() -> str:
    """The sources of the sign-in page's form-action (django-csp puts the directives in any
    order)."""
    policy = Client().get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().partition(" ")[::2] for part in policy.split(";"))
    return directives["form-action"]


def test_the_content_security_policy_lets_the_button_reach_telegrams_login_page(oidc_issuer):
    assert sign_in_page_form_action() == f"'self' {ISSUER}"


def test_without_telegrams_login_the_policy_allows_forms_to_this_site_only():
    assert sign_in_page_form_action() == "'self'"


def test_connected_accounts_offer_connecting_on_telegrams_login_page(oidc_issuer):
    email_user("rae@example.test")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, "rae@example.test")
    page = browser.get("/accounts/3rdparty/").content.decode()
    assert 'data-testid="telegram-oidc-start"' in page
    assert 'name="process" value="connect"' in page
    assert "You confirm your password here first." in page


def test_logs_never_hold_the_client_secret_or_the_pkce_verifier(oidc_issuer, telegram_user):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    loggers = [logging.getLogger(name) for name in ("", "telegram_login", "django", "urllib3")]
    old_levels = [logger.level for logger in loggers]
    loggers[0].addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        browser = Client(HTTP_USER_AGENT=BROWSER_UA)
        params = start_oidc(browser)
        verifier = browser.session["socialaccount_states"][params["state"]][0]["pkce_code_verifier"]
        oidc_issuer.faults.audience = "777"  # a refusal, which is logged
        browser.get(answer_in_telegram(oidc_issuer, params, telegram_user()))
        logging.getLogger("telegram_login").warning("leaked? %s", CLIENT_SECRET)
    finally:
        loggers[0].removeHandler(handler)
        for logger, level in zip(loggers, old_levels, strict=True):
            logger.setLevel(level)
    output = stream.getvalue()
    assert "telegram login stopped: audience" in output
    assert CLIENT_SECRET not in output
    assert verifier not in output
