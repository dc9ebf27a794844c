"""A reload, or a phone discarding the background tab, picks the sign-in up where it was: here on
the widget's own page (the example site's tests do it on its sign-in and settings pages)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.signin.widget import RESUME_COOKIE
from telegram_login.tests.flows import email_user, reauthenticate, sign_in_with_password
from telegram_login.tests.helpers import BROWSER_UA, DEEP_LINK_RE, START_URL, start_sign_in

pytestmark = pytest.mark.django_db


def _widget(page: str) -> str:
    return page[page.index('id="telegram-login"') :]


def test_reloading_the_widgets_page_shows_the_same_link_and_code(browser_client):
    login_request, token, _ = start_sign_in(browser_client)

    page = browser_client.get(START_URL).content.decode()

    assert 'data-state="pending"' in page
    assert DEEP_LINK_RE.search(page).group(1) == token
    assert f'data-testid="match-code">{login_request.match_code}<' in page
    # It polls at once, so an approval given while the page was away completes straight away.
    assert re.search(r'hx-trigger="load, every 2s', page)


def test_a_reload_after_the_approval_completes_the_sign_in(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client, next_url="/accounts/email/")
    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(person, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )

    page = browser_client.get(f"{START_URL}?next=/accounts/email/").content.decode()
    assert 'data-state="claimed"' in page
    poll_url = unescape(re.search(r'hx-get="([^"]+)"', _widget(page)).group(1))
    done = browser_client.get(poll_url, headers={"HX-Request": "true"})

    assert done["HX-Redirect"] == "/accounts/email/"
    assert browser_client.get("/").context["user"].is_authenticated


def test_a_claimed_request_resumes_with_its_code_and_no_name(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    post_update(telegram_update(message=(telegram_user(first_name="Zygmunt"), f"/start {token}")))

    page = browser_client.get(START_URL).content.decode()

    assert 'data-state="claimed"' in page
    assert f'data-testid="match-code">{login_request.match_code}<' in page
    assert "Zygmunt" not in page


def test_another_browser_with_the_cookie_but_not_the_session_resumes_nothing(browser_client):
    _, token, _ = start_sign_in(browser_client)
    thief = Client(HTTP_USER_AGENT=BROWSER_UA)
    thief.cookies[RESUME_COOKIE] = browser_client.cookies[RESUME_COOKIE].value

    page = thief.get(START_URL).content.decode()

    assert 'data-state="start"' in page
    assert token not in page


def test_without_its_cookie_a_waiting_request_cannot_show_its_link_and_starts_over(
    browser_client,
):
    _, token, _ = start_sign_in(browser_client)
    del browser_client.cookies[RESUME_COOKIE]

    page = browser_client.get(START_URL).content.decode()

    assert 'data-state="start"' in page
    assert token not in page


def test_an_expired_or_finished_request_does_not_resume(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    LoginRequest.objects.filter(pk=login_request.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert 'data-state="start"' in browser_client.get(START_URL).content.decode()

    second, _, _ = start_sign_in(browser_client)
    LoginRequest.objects.filter(pk=second.pk).update(status=LoginRequest.Status.DENIED)
    assert 'data-state="start"' in browser_client.get(START_URL).content.decode()


def test_the_token_is_kept_in_the_browser_not_in_the_session(browser_client):
    _, token, _ = start_sign_in(browser_client)
    cookie = browser_client.cookies[RESUME_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert token not in str(dict(browser_client.session))


def test_the_connect_page_resumes_a_connect(browser_client):
    email_user("resume@example.test")
    sign_in_with_password(browser_client, "resume@example.test")
    reauthenticate(browser_client)
    _, token, _ = start_sign_in(browser_client, process="connect")

    # Where allauth's connections page sends a person who picks Telegram.
    page = browser_client.get(f"{START_URL}?process=connect").content.decode()

    assert 'data-state="pending"' in page
    assert DEEP_LINK_RE.search(page).group(1) == token
    assert "Connect your Telegram account" in page
    # The sign-in widget does not pick up the connect.
    sign_in_widget = browser_client.get(START_URL).content.decode()
    assert token not in sign_in_widget
