"""Removing a linked Telegram its owner lost for good: the password, the emailed link, then a
wait that the bot announces to that Telegram, which can stop it (recovery.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django.utils import timezone

from telegram_login.models import TelegramRemoval
from telegram_login.tests.flows import age_authentication, reauthenticate, sign_in_with_password
from telegram_login.tests.helpers import (
    BROWSER_UA,
    OWNER_EMAIL,
    bot_messages,
    buttons,
    press_button,
)

pytestmark = pytest.mark.django_db

EMAIL = OWNER_EMAIL
LOST_URL = "/accounts/telegram-login/lost/"
STOP = "Not me: stop it and sign that browser out"


def ask_for_removal(browser: Client) -> str:
    """Sign in with the password, ask to remove the lost Telegram a while later; the emailed
    link's path."""
    sign_in_with_password(browser, EMAIL)
    age_authentication(browser, seconds=account_settings.REAUTHENTICATION_TIMEOUT + 1)
    assert 'data-testid="request-removal"' in browser.get(LOST_URL).content.decode()
    asked = browser.post("/accounts/telegram-login/lost/request/")
    # The password, freshly, asked first (not the Telegram that is lost).
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    reauthenticate(browser)
    assert browser.post("/accounts/telegram-login/lost/request/")["Location"] == LOST_URL
    found = re.search(
        r"http://testserver(/accounts/telegram-login/lost/\S+/)", mail.outbox[-1].body
    )
    assert found, mail.outbox[-1].body
    assert mail.outbox[-1].to == [EMAIL]
    return found.group(1)


def test_a_lost_telegram_goes_only_after_the_emailed_link_and_the_announced_wait(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    link = ask_for_removal(browser)
    before = len(bot_messages(bot_api, telegram))  # the sign-in's alert

    # Opening the link (a mail scanner does) changes nothing; its button starts the wait.
    page = Client().get(link)
    assert 'data-testid="start-removal-wait"' in page.content.decode()
    assert TelegramRemoval.objects.get().status == "email_sent"
    started = Client().post(link)
    assert 'data-testid="removal-started"' in started.content.decode()
    removal = TelegramRemoval.objects.get()
    assert removal.status == "waiting"
    assert removal.effective_at - removal.confirmed_at == timedelta(days=3)

    [announcement] = bot_messages(bot_api, telegram)[before:]
    assert announcement.text.startswith(
        f"⚠️ Someone is removing this Telegram from {EMAIL} on telegram-login"
    )
    assert "From: Chrome 120 on Windows 10" in announcement.text
    assert set(buttons(announcement)) == {STOP, "Sign out everywhere"}

    # Before the wait is over, nothing is removed.
    reauthenticate(browser)
    assert browser.post("/accounts/telegram-login/lost/remove/")["Location"] == LOST_URL
    assert SocialAccount.objects.filter(user=user).exists()
    assert 'data-testid="remove-lost-telegram"' not in browser.get(LOST_URL).content.decode()

    TelegramRemoval.objects.update(effective_at=timezone.now() - timedelta(seconds=1))
    assert 'data-testid="remove-lost-telegram"' in browser.get(LOST_URL).content.decode()
    done = browser.post("/accounts/telegram-login/lost/remove/")

    assert done["Location"] == "/accounts/3rdparty/"
    assert not SocialAccount.objects.filter(user=user).exists()
    assert TelegramRemoval.objects.get().status == "done"
    assert (
        "was disconnected from the account owner@example.test"
        in bot_messages(bot_api, telegram)[-1].text
    )
    # Whoever holds the lost Telegram now cannot use its old messages' buttons.
    response = post_update(
        telegram_update(callback=(telegram, buttons(announcement)["Sign out everywhere"]))
    )
    answer = bot_api.callback_answers[response.json()["callback_query_id"]]
    assert answer["text"] == "This message is too old to act on."
    assert browser.get(LOST_URL).status_code == HTTPStatus.OK  # still signed in


def test_the_linked_telegram_stops_a_removal_and_signs_the_asking_browser_out(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=BROWSER_UA)
    link = ask_for_removal(intruder)
    Client().post(link)
    announcement = bot_messages(bot_api, telegram)[-1]

    response = post_update(
        telegram_update(
            callback=(telegram, buttons(announcement)[STOP]), message_id=announcement.message_id
        )
    )

    answer = bot_api.callback_answers[response.json()["callback_query_id"]]["text"]
    assert answer.endswith("The removal of Telegram is stopped: Telegram stays connected.")
    assert TelegramRemoval.objects.get().status == "stopped"
    assert intruder.get(LOST_URL).status_code == HTTPStatus.FOUND  # signed out: to the login
    TelegramRemoval.objects.update(effective_at=timezone.now() - timedelta(days=1))
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)
    intruder.post("/accounts/telegram-login/lost/remove/")
    assert SocialAccount.objects.filter(user=user).exists()


def test_a_tampered_or_used_link_starts_nothing(owner, bot_api):
    _, telegram = owner
    link = ask_for_removal(Client(HTTP_USER_AGENT=BROWSER_UA))

    assert Client().post(link[:-3] + "xx/").status_code == HTTPStatus.NOT_FOUND
    assert TelegramRemoval.objects.get().status == "email_sent"
    Client().post(link)
    again = Client().post(link)

    assert again.status_code == HTTPStatus.NOT_FOUND
    assert len([m for m in bot_messages(bot_api, telegram) if m.text.startswith("⚠️")]) == 1


def test_an_account_whose_only_way_in_is_telegram_cannot_ask(bot_api, telegram_user):
    from telegram_login.tests.flows import account_with, grant_fresh_proof

    user = account_with(telegram=True, password=True, emails={})
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    grant_fresh_proof(browser, user)

    page = browser.get(LOST_URL).content.decode()
    browser.post("/accounts/telegram-login/lost/request/")

    assert "Telegram is your only way to sign in here." in page
    assert not TelegramRemoval.objects.exists()


def test_an_address_made_primary_lately_cannot_confirm_a_removal(owner, bot_api):
    """The intruder with the password adds their own address, confirms it, makes it primary,
    and asks: the link would reach them, so nothing is sent until the address has stayed as long
    as the wait."""
    del owner  # the account the intruder signs in to
    intruder = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)
    intruder.post("/accounts/email/", {"action_add": "", "email": "mallory@example.test"})
    EmailAddress.objects.filter(email="mallory@example.test").update(verified=True)
    intruder.post("/accounts/email/", {"action_primary": "", "email": "mallory@example.test"})
    assert EmailAddress.objects.get(primary=True).email == "mallory@example.test"
    sent = len(mail.outbox)

    intruder.post("/accounts/telegram-login/lost/request/")

    assert not TelegramRemoval.objects.exists()
    assert not any("mallory@example.test" in m.to for m in mail.outbox[sent:])
    page = intruder.get(LOST_URL).content.decode()
    assert "The account&#x27;s email addresses changed lately" in page


def test_not_me_under_the_sign_in_stops_the_removal_that_browser_asked_for(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    intruder = Client(HTTP_USER_AGENT=BROWSER_UA)
    link = ask_for_removal(intruder)
    Client().post(link)
    alert = next(m for m in bot_messages(bot_api, telegram) if m.text.startswith("🔐"))

    answer = press_button(
        bot_api, post_update, telegram_update, telegram, alert, "Not me: sign this session out"
    )

    assert answer.endswith("The removal of Telegram it asked for is stopped.")
    assert TelegramRemoval.objects.get().status == "stopped"


def test_sign_out_everywhere_stops_a_removal_under_way(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    ask_for_removal(Client(HTTP_USER_AGENT=BROWSER_UA))
    alert = next(m for m in bot_messages(bot_api, telegram) if m.text.startswith("🔐"))

    press_button(bot_api, post_update, telegram_update, telegram, alert, "Sign out everywhere")

    assert TelegramRemoval.objects.get().status == "stopped"


def test_a_wait_under_a_day_stops_the_site_at_start_up(settings):
    from django.core import checks

    settings.TELEGRAM_LOGIN_RECOVERY_WAIT = 60
    [error] = [m for m in checks.run_checks() if m.id == "telegram_login.E012"]
    assert error.is_serious()
    assert "TELEGRAM_LOGIN_RECOVERY_WAIT is 60" in error.msg
