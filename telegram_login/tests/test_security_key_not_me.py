"""The security key's buttons end the browser they name: "Not me" follows the browser an alert
was about wherever its session went since, and "Sign out everywhere" and the sessions list sign
out what they list; only the Telegram user a message went to may press them (docs/security.md,
"A stolen password")."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import SecurityNotice
from telegram_login.tests.flows import sign_in_with_password
from telegram_login.tests.helpers import (
    BROWSER_UA,
    FIREFOX_UA,
    bot_messages,
    buttons,
    signed_in,
    start_sign_in,
)
from telegram_login.tests.helpers import press_button as press
from telegram_login.tests.security_key_support import (
    EMAIL,
    EVERYWHERE,
    NEW_PASSWORD,
    NOT_ME,
    UNDO,
    change_password,
)

pytestmark = pytest.mark.django_db


def test_not_me_signs_out_an_intruder_who_changed_the_password_since(
    owner, bot_api, telegram_update, post_update
):
    """The reported attack: the password change gave the intruder's session a new key, and
    "Not me" said the session had ended while the browser stayed signed in."""
    _, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    [alert] = bot_messages(bot_api, telegram)
    key_before = intruder.session.session_key
    change_password(intruder)
    assert intruder.session.session_key != key_before
    assert signed_in(intruder)

    answer = press(bot_api, post_update, telegram_update, telegram, alert, NOT_ME)

    assert answer == "Signed out: Firefox 121 on Ubuntu."
    assert not signed_in(intruder)
    edited = next(m for m in bot_messages(bot_api, telegram) if m.message_id == alert.message_id)
    assert edited.text.startswith("✔ Signed out: Firefox 121 on Ubuntu")


def test_not_me_under_the_password_change_signs_out_and_the_new_password_stops_working(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    change_password(intruder)
    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith(f"🔑 The password of {EMAIL} on telegram-login was changed.")
    assert "From: Firefox 121 on Ubuntu" in notice.text
    assert set(buttons(notice)) == {UNDO, EVERYWHERE}

    answer = press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    assert answer.startswith("Signed out: Firefox 121 on Ubuntu. The password set from that")
    assert not signed_in(intruder)
    user.refresh_from_db()
    assert not user.has_usable_password()
    retry = Client(HTTP_USER_AGENT=FIREFOX_UA).post(
        "/accounts/login/", {"login": EMAIL, "password": NEW_PASSWORD}
    )
    assert retry.status_code == HTTPStatus.OK  # the form again, with its error


def test_not_me_follows_the_browser_through_a_sign_out_and_a_new_sign_in(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    first_alert = bot_messages(bot_api, telegram)[0]
    intruder.post("/accounts/logout/")
    sign_in_with_password(intruder, EMAIL)  # the same browser: its cookie came back
    assert signed_in(intruder)

    press(bot_api, post_update, telegram_update, telegram, first_alert, NOT_ME)

    assert not signed_in(intruder)


def test_a_session_no_record_knows_is_signed_out_on_its_next_request(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    owner_browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(intruder, EMAIL)
    sign_in_with_password(owner_browser, EMAIL)
    alert = bot_messages(bot_api, telegram)[0]
    # A new key that allauth has no record of (a site without usersessions' tracking).
    session = intruder.session
    session.cycle_key()
    session.save()
    intruder.cookies["sessionid"] = session.session_key
    UserSession.objects.filter(user_agent=FIREFOX_UA).delete()

    press(bot_api, post_update, telegram_update, telegram, alert, NOT_ME)

    assert not signed_in(intruder)
    assert signed_in(owner_browser)


def test_sign_out_everywhere_under_an_alert_works_after_telegram_was_unlinked(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    browsers_in = [Client(HTTP_USER_AGENT=BROWSER_UA), Client(HTTP_USER_AGENT=FIREFOX_UA)]
    for browser in browsers_in:
        sign_in_with_password(browser, EMAIL)
    alert = bot_messages(bot_api, telegram)[-1]
    SocialAccount.objects.filter(user=user).delete()

    answer = press(bot_api, post_update, telegram_update, telegram, alert, EVERYWHERE)

    assert answer == "Signed out everywhere: 2 sessions ended."
    assert not any(signed_in(browser) for browser in browsers_in)


def test_not_me_pressed_twice_says_it_was_done(owner, bot_api, telegram_update, post_update):
    _, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    [alert] = bot_messages(bot_api, telegram)
    data = buttons(alert)[NOT_ME]
    press(bot_api, post_update, telegram_update, telegram, alert, NOT_ME)

    # Pressed again (the edit that removed it had not arrived yet, or the press was replayed).
    response = post_update(telegram_update(callback=(telegram, data)))

    answer = bot_api.callback_answers[response.json()["callback_query_id"]]
    assert answer["text"].startswith("Already done: Firefox 121 on Ubuntu was signed out")
    assert answer["show_alert"] is True


def test_a_new_sign_in_after_not_me_is_not_ended_by_it(
    owner, bot_api, telegram_update, post_update
):
    """The revocation reaches back, never forward: a later sign-in has an alert of its own."""
    _, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    press(
        bot_api, post_update, telegram_update, telegram, bot_messages(bot_api, telegram)[0], NOT_ME
    )
    assert not signed_in(browser)

    sign_in_with_password(browser, EMAIL)

    assert signed_in(browser)
    assert NOT_ME in buttons(bot_messages(bot_api, telegram)[-1])


def test_a_change_notice_is_pressed_only_by_the_telegram_user_it_was_sent_to(
    owner, bot_api, telegram_user, telegram_update, post_update
):
    _, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    change_password(intruder)
    notice = bot_messages(bot_api, telegram)[-1]
    stranger = telegram_user(first_name="Mallory")
    bot_api.users[stranger["id"]] = stranger

    answer = press(bot_api, post_update, telegram_update, stranger, notice, UNDO)

    assert answer == "This message was sent to another Telegram account."
    assert signed_in(intruder)
    assert SecurityNotice.objects.get(kind="password_changed").acted_at is None


def test_the_sessions_list_signs_out_a_browser_whose_key_changed_since(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    change_password(intruder)
    post_update(telegram_update(message=(telegram, "/sessions")))
    listing = bot_messages(bot_api, telegram)[-1]
    [data] = [d for text, d in buttons(listing).items() if "Firefox" in text]

    response = post_update(telegram_update(callback=(telegram, data)))

    answer = bot_api.callback_answers[response.json()["callback_query_id"]]
    assert answer["text"] == "Signed out: Firefox 121 on Ubuntu."
    assert not signed_in(intruder)


def test_a_confirmed_telegram_sign_in_prompt_keeps_working_buttons(
    bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user()
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    login_request, token, _ = start_sign_in(browser)
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(telegram, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )
    from telegram_login.tests.helpers import poll

    poll(browser, login_request, shown="claimed")
    [prompt] = bot_messages(bot_api, telegram)

    answer = press(bot_api, post_update, telegram_update, telegram, prompt, NOT_ME)

    assert answer == "Signed out: Chrome 120 on Windows 10."
    assert not signed_in(browser)


def test_sign_out_everywhere_with_nobody_signed_in_says_so(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    [alert] = bot_messages(bot_api, telegram)
    data = buttons(alert)[EVERYWHERE]
    press(bot_api, post_update, telegram_update, telegram, alert, EVERYWHERE)

    response = post_update(telegram_update(callback=(telegram, data)))

    answer = bot_api.callback_answers[response.json()["callback_query_id"]]["text"]
    assert answer == "No browser of the account was signed in: there was nothing to sign out."


def test_not_me_on_an_old_password_change_leaves_a_password_set_since(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    change_password(intruder)
    notice = bot_messages(bot_api, telegram)[-1]
    # The owner, back in with Telegram, sets a password of their own since.
    user.refresh_from_db()
    user.set_password("the-owners-new-Passw0rd")
    user.save()

    answer = press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    assert answer.endswith("The password was changed again since: it stays.")
    user.refresh_from_db()
    assert user.check_password("the-owners-new-Passw0rd")
    assert not signed_in(intruder)
