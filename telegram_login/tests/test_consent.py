"""The consent prompt against relayed codes, leaked names and an attacker's own words."""

from __future__ import annotations

import pytest
from django.core import checks

from telegram_login.messaging import texts as messages
from telegram_login.messaging.callbacks import ACTION_CANCEL, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import START_URL, bot_reply, poll, start_sign_in

pytestmark = pytest.mark.django_db

WARNING = "If someone sent you this link or told you which button to press"
HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("mode", ["match_code", "button"])
def test_relayed_code_the_prompt_warns_against_instructions_before_the_choices(
    settings, login_request, mode
):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = mode
    prompt = messages.confirm_prompt(chat_id=1, login_request=login_request)
    text = prompt.params["text"]

    assert WARNING in text
    assert "they are trying to take over your account: press Cancel." in text
    # The warning comes before the line that asks for the choice, which sits just above it.
    choose = "press the code" if mode == "match_code" else "press Confirm"
    assert text.index(WARNING) < text.index(choose)
    assert text.rstrip().endswith(".")


def test_button_mode_is_named_as_weaker_at_start_up_with_debug_off(settings):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "button"
    # A system check, which `manage.py check`, runserver and migrate show at start-up.
    found = [m for m in checks.run_checks() if m.id == "telegram_login.W003"]
    assert len(found) == 1
    assert "signs the sender in" in found[0].msg
    assert "TELEGRAM_LOGIN_CONFIRM_MODE" in found[0].msg


def test_match_code_mode_has_no_start_up_warning(settings):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "match_code"
    assert not [m for m in checks.run_checks() if m.id == "telegram_login.W003"]


def test_the_name_does_not_leak_to_the_asking_browser_before_approval(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    person = telegram_user(first_name="Zinaida", last_name="Quartermaine", username="zq_tg")
    post_update(telegram_update(message=(person, f"/start {token}")))

    claimed = poll(browser_client, login_request).content.decode()
    assert 'data-state="claimed"' in claimed
    assert "Someone opened the link in Telegram." in claimed

    post_update(telegram_update(callback=(person, callback_data(login_request, ACTION_CANCEL))))
    cancelled = poll(browser_client, login_request, shown="claimed").content.decode()
    assert 'data-state="denied"' in cancelled
    for page in (claimed, cancelled):
        assert "Zinaida" not in page
        assert "Quartermaine" not in page
        assert "zq_tg" not in page


@pytest.mark.parametrize(
    "user_agent",
    [
        "Telegram Login Verified Device - safe to confirm bot/1.0",
        "Mozilla/5.0 (Windows NT 10.0) Verified Device Safe to Confirm Crawler/1.0",
        "Mozilla/5.0 (compatible; SafeToConfirmBot/1.0; +https://evil.example)",
    ],
)
def test_attackers_words_in_the_user_agent_never_reach_the_prompt(browser_client, user_agent):
    browser_client.post(
        START_URL, {"process": "login"}, headers={"HX-Request": "true", "User-Agent": user_agent}
    )
    login_request = LoginRequest.objects.get()

    prompt = messages.confirm_prompt(chat_id=1, login_request=login_request).params["text"]

    browser_line = prompt.split("Browser: ", 1)[1].splitlines()[0]
    assert browser_line in {"an unknown browser", "an unknown browser on Windows 10"}
    for word in ("Verified", "safe to confirm", "Safe to Confirm", "SafeToConfirm", "evil"):
        assert word not in prompt


def test_the_site_name_comes_from_settings_not_the_host_header(
    settings, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.TELEGRAM_LOGIN_SITE_NAME = "Example Shop"
    response = browser_client.post(
        START_URL,
        {"process": "login"},
        headers={"HX-Request": "true", "Host": "example-shop.evil.example"},
    )
    token = response.content.decode().split("start=", 1)[1][:43]

    prompt = bot_reply(post_update(telegram_update(message=(telegram_user(), f"/start {token}"))))

    assert prompt["text"].startswith("Sign in to Example Shop with this Telegram account?")
    assert "evil.example" not in prompt["text"]


# -- browser_code mode: the bot shows the code, the person types it into the browser ----------


@pytest.fixture
def browser_code(settings):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "browser_code"


def _code_url(login_request: LoginRequest) -> str:
    return f"{START_URL}{login_request.id}/code/"


def _claimed_in_browser_code_mode(browser_client, telegram_user, telegram_update, post_update):
    login_request, token, started = start_sign_in(browser_client)
    person = telegram_user(first_name="Bea")
    prompt = bot_reply(post_update(telegram_update(message=(person, f"/start {token}"))))
    login_request.refresh_from_db()
    return login_request, started, prompt, person


def test_browser_code_mode_the_bot_shows_the_code_and_the_browser_never_does(
    browser_code, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, started, prompt, _ = _claimed_in_browser_code_mode(
        browser_client, telegram_user, telegram_update, post_update
    )
    code = login_request.match_code
    assert len(code) == 6
    assert code.isdigit()
    assert f"{code[:3]} {code[3:]}" in prompt["text"]
    assert "asks you for the code below" in prompt["text"]
    assert "Never give this code to anyone" in prompt["text"]
    # Only Cancel: nothing to press that would approve.
    assert prompt["reply_markup"]["inline_keyboard"] == [
        [{"text": "✖ Cancel, this was not me", "callback_data": callback_data(login_request, "x")}]
    ]
    claimed = poll(browser_client, login_request).content.decode()
    for page in (started.content.decode(), claimed):
        assert code not in page
    assert 'data-testid="code-input"' in claimed


def test_browser_code_mode_the_right_code_typed_in_the_asking_browser_signs_in(
    browser_code, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, _, person = _claimed_in_browser_code_mode(
        browser_client, telegram_user, telegram_update, post_update
    )
    code = login_request.match_code

    done = browser_client.post(
        _code_url(login_request), {"code": f"{code[:3]} {code[3:]}"}, headers=HTMX
    )

    assert done["HX-Redirect"] == "/"
    assert browser_client.get("/").context["user"].socialaccount_set.get().uid == str(person["id"])


def test_browser_code_mode_three_wrong_codes_deny_and_another_browser_cannot_type_one(
    browser_code, browser_client, client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, _, _ = _claimed_in_browser_code_mode(
        browser_client, telegram_user, telegram_update, post_update
    )
    wrong = "000000" if login_request.match_code != "000000" else "111111"

    stolen = client.post(_code_url(login_request), {"code": login_request.match_code}, headers=HTMX)
    assert 'data-state="unknown"' in stolen.content.decode()
    first = browser_client.post(_code_url(login_request), {"code": wrong}, headers=HTMX)
    assert "That is not the code. 2 tries left." in first.content.decode()
    browser_client.post(_code_url(login_request), {"code": wrong}, headers=HTMX)
    last = browser_client.post(_code_url(login_request), {"code": wrong}, headers=HTMX)

    assert 'data-state="denied"' in last.content.decode()
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.DENIED
    late = browser_client.post(
        _code_url(login_request), {"code": login_request.match_code}, headers=HTMX
    )
    assert 'data-state="denied"' in late.content.decode()
    assert browser_client.get("/").context["user"].is_anonymous


def test_browser_code_mode_a_forged_press_with_the_code_approves_nothing(
    browser_code, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _, _, person = _claimed_in_browser_code_mode(
        browser_client, telegram_user, telegram_update, post_update
    )
    data = callback_data(login_request, "c", login_request.match_code[:4])
    post_update(telegram_update(callback=(person, data)))
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.CLAIMED
