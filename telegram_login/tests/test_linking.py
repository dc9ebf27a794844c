"""Attacks on linking and recovery, each performed and shown to do no harm (docs/security.md,
"Linking and recovery"): connect used against a victim; the ways into an account that skip a
proof are in test_linking_takeover.py."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from telegram_login.messaging.callbacks import Unlink, encode
from telegram_login.tests.flows import (
    CONNECTIONS_URL,
    attacker_starts_connect,
    confirm_access_in_telegram,
    confirm_in_telegram,
    email_user,
    linked_by_victim,
    reauthenticate,
    sign_in_with_password,
    telegram_user_of,
)
from telegram_login.tests.helpers import bot_reply, start_sign_in

pytestmark = pytest.mark.django_db

User = get_user_model()


# -- 1. Connect used against a victim ----------------------------------------------------------


def test_connect_lure_prompt_names_the_attackers_account_and_what_confirming_does(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    _, _, token = attacker_starts_connect(browser_client)
    victim = telegram_user(first_name="Vera")

    prompt = bot_reply(post_update(telegram_update(message=(victim, f"/start {token}"))))

    text = prompt["text"]
    assert text.startswith(
        "Connect this Telegram account to the account mallory@example.test on telegram-login?\n"
        "If you confirm, it signs in to that account from now on, and whoever uses the account "
        "sees your Telegram name.\n"
    )
    # Named once, where it is asked: not three times over.
    assert text.count("mallory@example.test") == 1


def test_connect_lure_that_succeeds_is_told_to_the_victim_in_telegram_with_an_unlink_button(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    attacker, login_request, token = attacker_starts_connect(browser_client)
    victim = telegram_user(first_name="Vera")
    linked_by_victim(browser_client, victim, telegram_update, post_update, login_request, token)

    account = SocialAccount.objects.get(uid=str(victim["id"]))
    assert account.user == attacker
    notice = bot_api.chat(victim["id"])[-1]
    assert "now connected to the account mallory@example.test on telegram-login" in notice.text
    assert "press Disconnect" in notice.text
    [[unlink]] = notice.reply_markup["inline_keyboard"]
    assert unlink == {"text": "Disconnect", "callback_data": encode(Unlink(account.pk))}


def test_a_new_link_is_mailed_to_the_accounts_verified_address(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    # allauth's notice; the example site's own names the Telegram account and the way to undo it.
    _, login_request, token = attacker_starts_connect(browser_client, "owner@example.test")
    telegram = telegram_user(first_name="Olga")
    linked_by_victim(browser_client, telegram, telegram_update, post_update, login_request, token)

    [message] = [m for m in mail.outbox if "owner@example.test" in m.to]
    assert "A third-party account from Telegram has been connected" in message.body


def test_victim_presses_unlink_and_their_telegram_leaves_the_attackers_account(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    attacker, login_request, token = attacker_starts_connect(browser_client)
    victim = telegram_user(first_name="Vera")
    linked_by_victim(browser_client, victim, telegram_update, post_update, login_request, token)
    account = SocialAccount.objects.get(uid=str(victim["id"]))
    mail.outbox.clear()

    answer = bot_reply(post_update(telegram_update(callback=(victim, encode(Unlink(account.pk))))))

    assert answer == {
        "method": "answerCallbackQuery",
        "callback_query_id": answer["callback_query_id"],
        "text": "Disconnected.",
    }
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    notice = bot_api.chat(victim["id"])[-1]
    assert notice.text.startswith("Disconnected: this Telegram account no longer signs in to")
    assert not notice.reply_markup
    [message] = mail.outbox
    assert message.to == ["mallory@example.test"]
    assert 'pressed "Disconnect"' in message.body
    # The victim's next "Sign in with Telegram" is their own new account, not the attacker's.
    victim_browser = Client()
    confirm_in_telegram(victim_browser, victim, telegram_update, post_update)
    assert victim_browser.get("/").context["user"] != attacker


def test_unlink_pressed_by_another_telegram_user_changes_nothing(
    bot_api, telegram_user, telegram_update, post_update
):
    owner = email_user("ann@example.test")
    account = telegram_user_of(owner, uid=555001)
    stranger = telegram_user()

    answer = bot_reply(
        post_update(telegram_update(callback=(stranger, encode(Unlink(account.pk)))))
    )

    assert answer["text"] == "This is not your connection."
    assert SocialAccount.objects.filter(pk=account.pk, user=owner).exists()


def test_unlink_that_would_leave_no_way_in_is_refused_with_an_alert(
    bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user()
    owner = User.objects.create_user(username="tg_only")
    account = telegram_user_of(owner, uid=telegram["id"])

    answer = bot_reply(
        post_update(telegram_update(callback=(telegram, encode(Unlink(account.pk)))))
    )

    assert answer["show_alert"] is True
    assert "only way to sign in" in answer["text"]
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_disconnecting_in_settings_is_told_to_the_telegram_user(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("ida@example.test")
    telegram = telegram_user()
    bot_api.users[telegram["id"]] = telegram  # they have a chat with the bot
    account = telegram_user_of(user, uid=telegram["id"])
    sign_in_with_password(browser_client, "ida@example.test")
    browser_client.post(CONNECTIONS_URL, {"account": account.pk})

    confirm_access_in_telegram(
        browser_client, telegram, telegram_update, post_update, next_url=CONNECTIONS_URL
    )

    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    notice = bot_api.chat(telegram["id"])[-1]
    assert "was disconnected from the account ida@example.test on telegram-login" in notice.text
    assert any("ida@example.test" in m.to for m in mail.outbox)


def test_connect_prompt_shows_a_look_alike_domain_in_its_xn_form(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    attacker = email_user("mallory@gm\u0430il.com")  # a Cyrillic a in "gmail"
    sign_in_with_password(browser_client, attacker.email)
    reauthenticate(browser_client)
    _, token, _ = start_sign_in(browser_client, process="connect")

    prompt = bot_reply(post_update(telegram_update(message=(telegram_user(), f"/start {token}"))))

    assert "the account mallory@xn--gmil-63d.com on telegram-login" in prompt["text"]
    assert "gm\u0430il.com" not in prompt["text"]
