"""Old prompts do not stay live: each is edited to how its request ended and loses its buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from telegram_login.messaging.callbacks import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.tests.flows import (
    attacker_starts_connect,
    confirm_access_in_telegram,
    email_user,
    sign_in_with_password,
    telegram_user_of,
)
from telegram_login.tests.helpers import poll, set_deadline, start_sign_in

pytestmark = pytest.mark.django_db


def _claimed(browser_client, telegram_user, telegram_update, post_update, **user_fields):
    login_request, token, _ = start_sign_in(browser_client)
    person = telegram_user(**user_fields)
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request.refresh_from_db()
    return login_request, token, person


def _prompts(bot_api, person):
    return [m for m in bot_api.chat(person["id"]) if m.from_bot]


def test_the_prompt_is_kept_and_has_its_buttons_while_the_request_waits(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, person = _claimed(browser_client, telegram_user, telegram_update, post_update)
    [prompt] = _prompts(bot_api, person)
    assert prompt.reply_markup["inline_keyboard"]
    assert [(p.chat_id, p.message_id) for p in login_request.prompts.all()] == [
        (person["id"], prompt.message_id)
    ]
    assert "Requested: just now" in prompt.text


def test_cancel_edits_the_prompt_to_cancelled_without_buttons(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, person = _claimed(browser_client, telegram_user, telegram_update, post_update)
    post_update(telegram_update(callback=(person, callback_data(login_request, ACTION_CANCEL))))
    [prompt] = _prompts(bot_api, person)
    assert prompt.text == "✖ Cancelled. Nobody was signed in."
    assert not prompt.reply_markup


def test_expiry_noticed_by_the_browser_edits_the_prompt(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, person = _claimed(browser_client, telegram_user, telegram_update, post_update)
    set_deadline(login_request, timezone.now() - timedelta(seconds=1))
    poll(browser_client, login_request, shown="claimed")
    [prompt] = _prompts(bot_api, person)
    assert prompt.text == "This sign-in request has expired. Nobody was signed in."
    assert not prompt.reply_markup


def test_a_confirmed_sign_in_says_done_then_signed_in_with_the_sessions_buttons(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, person = _claimed(browser_client, telegram_user, telegram_update, post_update)
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(person, data)))
    [prompt] = _prompts(bot_api, person)
    assert prompt.text.startswith("✔ Done. Go back to the browser where you started")
    assert "open the telegram-login page again in the same browser" in prompt.text
    assert not prompt.reply_markup

    poll(browser_client, login_request, shown="claimed")
    [prompt] = _prompts(bot_api, person)
    assert prompt.text.startswith("✔ Signed in to")
    assert "Signed in with: Telegram" in prompt.text
    buttons = [b["text"] for row in prompt.reply_markup["inline_keyboard"] for b in row]
    assert buttons == ["Not me: sign this session out", "Sign out everywhere"]


def test_opening_the_link_again_retires_the_older_prompt(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, person = _claimed(
        browser_client, telegram_user, telegram_update, post_update
    )
    post_update(telegram_update(message=(person, f"/start {token}")))
    first, second = _prompts(bot_api, person)
    assert first.text == "This request goes on in the newer message below."
    assert not first.reply_markup
    assert second.reply_markup["inline_keyboard"]
    assert login_request.prompts.count() == 2

    post_update(telegram_update(callback=(person, callback_data(login_request, ACTION_CANCEL))))
    assert all(not p.reply_markup for p in _prompts(bot_api, person))


def test_the_outcome_edit_speaks_the_telegram_users_language(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, person = _claimed(
        browser_client, telegram_user, telegram_update, post_update, language_code="ru"
    )
    post_update(telegram_update(callback=(person, callback_data(login_request, ACTION_CANCEL))))
    [prompt] = _prompts(bot_api, person)
    assert prompt.text.startswith("✖ Отменено")


def test_browser_code_typed_in_the_browser_edits_the_prompt(
    settings, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "browser_code"
    login_request, _, person = _claimed(browser_client, telegram_user, telegram_update, post_update)
    browser_client.post(
        f"/accounts/telegram-login/login/{login_request.id}/code/",
        {"code": login_request.match_code},
        headers={"HX-Request": "true"},
    )
    [prompt] = _prompts(bot_api, person)
    assert prompt.text.startswith("✔ Signed in to")
    assert "Signed in with: Telegram" in prompt.text


def test_a_finished_connect_edits_the_prompt_to_connected_instead_of_go_back_to_the_browser(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    _, login_request, token = attacker_starts_connect(browser_client, "ann@example.test")
    person = telegram_user(first_name="Ann", language_code="ru")
    bot_api.users[person["id"]] = person
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(person, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )
    prompt = _prompts(bot_api, person)[0]
    assert prompt.text.startswith("✔ Готово. Вернитесь в браузер")

    done = poll(browser_client, login_request, shown="claimed")

    assert done["HX-Redirect"] == "/accounts/3rdparty/"
    prompt, notice = _prompts(bot_api, person)
    assert prompt.text == "✔ Telegram привязан на telegram-login: теперь вы входите там через него."
    assert not prompt.reply_markup
    assert "Вернитесь в браузер" not in prompt.text
    assert notice.text.startswith("🔗 Этот аккаунт Telegram теперь привязан")


def test_a_connect_that_allauth_refused_in_the_end_says_nothing_was_changed(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    person = telegram_user(first_name="Ann")
    telegram_user_of(email_user("other@example.test"), uid=person["id"])
    _, login_request, token = attacker_starts_connect(browser_client, "ann@example.test")
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(person, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )

    poll(browser_client, login_request, shown="claimed")

    [prompt] = _prompts(bot_api, person)
    assert prompt.text == "✖ The browser could not finish this, so nothing was changed."


def test_a_finished_confirmation_edits_the_prompt_to_confirmed(
    owner, browser_client, bot_api, telegram_update, post_update
):
    user, telegram = owner
    sign_in_with_password(browser_client, user.email)
    confirm_access_in_telegram(
        browser_client, telegram, telegram_update, post_update, next_url="/accounts/email/"
    )

    prompt = [m for m in _prompts(bot_api, telegram) if m.text.startswith("✔ Confirmed")][-1]
    assert prompt.text == "✔ Confirmed. The browser where you started has gone on."
    assert not prompt.reply_markup
