"""The linked Telegram is the account's security key, and it holds against the one attacker it
exists for: someone with the password. The password alone cannot disconnect it or silence it;
"Not me" ends the browser an alert was about wherever its session went since
(test_security_key_not_me.py); what the password alone changes is told in Telegram with buttons
that work (test_security_key_notices.py). docs/security.md, "A stolen password"."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CANCEL, callback_data
from telegram_login.models import AlertPreference, BrowserRevocation, LoginRequest, SecurityNotice
from telegram_login.security import browsers
from telegram_login.tests.flows import (
    PASSWORD,
    confirm_access_in_telegram,
    grant_telegram_confirmation,
    reauthenticate,
    sign_in_with_password,
)
from telegram_login.tests.helpers import (
    BROWSER_UA,
    FIREFOX_UA,
    bot_messages,
    buttons,
    signed_in,
    start_sign_in,
)
from telegram_login.tests.helpers import press_button as press
from telegram_login.tests.security_key_support import EMAIL, UNDO

pytestmark = pytest.mark.django_db

CONNECTIONS_URL = "/accounts/3rdparty/"
TELEGRAM_CONFIRM_URL = "/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2F3rdparty%2F"


# -- The password cannot disarm the key -------------------------------------------------------


def test_an_intruder_with_the_password_cannot_disconnect_telegram(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)
    account = SocialAccount.objects.get(user=user)

    asked = intruder.post(CONNECTIONS_URL, {"account": account.pk})

    assert asked.status_code == HTTPStatus.FOUND
    assert asked["Location"] == TELEGRAM_CONFIRM_URL
    page = intruder.get(asked["Location"]).content.decode()
    assert 'data-testid="key-change"' in page
    assert "/accounts/reauthenticate/" not in page  # no password alternative
    assert 'data-testid="lost-telegram"' in page
    # The password again, on allauth's own page, resumes the post: it still goes to Telegram.
    again = intruder.post(
        "/accounts/reauthenticate/?next=%2Faccounts%2F3rdparty%2F", {"password": PASSWORD}
    )
    assert again["Location"] == TELEGRAM_CONFIRM_URL
    # In Telegram the owner is asked, named what would change and from which browser, and
    # cancels.
    login_request, token, _ = start_sign_in(
        intruder, process="reauthenticate", next_url=CONNECTIONS_URL
    )
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    prompt = bot_messages(bot_api, telegram)[-1]
    assert "disconnect this Telegram from the account" in prompt.text
    assert "Firefox 121 on Ubuntu" in prompt.text or "Chrome 120 on Windows 10" in prompt.text
    assert "Cancel" in " ".join(buttons(prompt))
    post_update(telegram_update(callback=(telegram, callback_data(login_request, ACTION_CANCEL))))

    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert intruder.post(CONNECTIONS_URL, {"account": account.pk})["Location"] == (
        TELEGRAM_CONFIRM_URL
    )
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_the_owner_disconnects_telegram_after_confirming_that_very_change_in_telegram(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    account = SocialAccount.objects.get(user=user)
    assert browser.post(CONNECTIONS_URL, {"account": account.pk})["Location"] == (
        TELEGRAM_CONFIRM_URL
    )

    done = confirm_access_in_telegram(
        browser, telegram, telegram_update, post_update, next_url=CONNECTIONS_URL
    )

    assert done["HX-Redirect"] == CONNECTIONS_URL
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    assert LoginRequest.objects.get().purpose == "telegram_disconnect"
    assert (
        "was disconnected from the account owner@example.test"
        in bot_messages(bot_api, telegram)[-1].text
    )


def test_a_telegram_confirmation_for_another_change_does_not_disconnect_telegram(owner):
    user, _ = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    grant_telegram_confirmation(browser, user, purpose="account_email")

    asked = browser.post(CONNECTIONS_URL, {"account": SocialAccount.objects.get(user=user).pk})

    assert asked["Location"] == TELEGRAM_CONFIRM_URL
    assert SocialAccount.objects.filter(user=user).exists()


def test_the_password_cannot_turn_the_alerts_off(owner, bot_api):
    user, _ = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)

    response = intruder.post("/accounts/telegram-login/alerts/", {})

    assert response["Location"] == (
        "/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2Ftelegram-login%2Falerts%2F"
    )
    assert not AlertPreference.objects.filter(user=user).exists()


def test_alerts_go_off_after_a_confirmation_in_telegram_and_not_me_turns_them_on_again(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    browser.post("/accounts/telegram-login/alerts/", {})

    confirm_access_in_telegram(
        browser, telegram, telegram_update, post_update, next_url="/accounts/telegram-login/alerts/"
    )

    assert AlertPreference.objects.get(user=user).sign_in_alerts is False
    notice = bot_messages(bot_api, telegram)[-1]
    assert "were turned off from Chrome 120 on Windows 10" in notice.text
    answer = press(bot_api, post_update, telegram_update, telegram, notice, UNDO)
    assert answer == "Signed out: Chrome 120 on Windows 10. Sign-in alerts are on again."
    assert AlertPreference.objects.get(user=user).sign_in_alerts is True
    assert not signed_in(browser)


def test_a_sign_in_marks_its_session_and_sets_the_browser_cookie(owner):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)

    mark = browsers.mark_in(browser.session)
    assert mark is not None
    cookie = browser.cookies[browsers.BROWSER_COOKIE]
    assert cookie.value == mark.id
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_a_site_without_the_session_middleware_is_told_what_not_me_cannot_reach(settings):
    from telegram_login.checks import check_telegram_settings

    assert "telegram_login.W009" not in [m.id for m in check_telegram_settings()]
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m != "telegram_login.security.middleware.SessionActivityMiddleware"
    ]

    assert "telegram_login.W009" in [m.id for m in check_telegram_settings()]


def test_old_notices_and_signed_out_browsers_records_are_pruned(owner, settings):
    from datetime import timedelta

    from django.utils import timezone

    from telegram_login import upkeep

    user, telegram = owner
    now = timezone.now()
    for days in (1, 61):
        SecurityNotice.objects.create(
            kind="sign_in",
            user=user,
            telegram_user_id=telegram["id"],
            created_at=now - timedelta(days=days),
        )
    keep = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    BrowserRevocation.objects.create(user=user, browser="a" * 22, revoked_at=now - keep)
    BrowserRevocation.objects.create(user=user, browser="b" * 22, revoked_at=now - keep * 2)

    upkeep.prune_old_records()

    assert [n.created_at for n in SecurityNotice.objects.all()] == [now - timedelta(days=1)]
    assert list(BrowserRevocation.objects.values_list("browser", flat=True)) == ["a" * 22]
