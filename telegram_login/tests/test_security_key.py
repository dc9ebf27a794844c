"""The linked Telegram is the account's security key, and it holds against the one attacker it
exists for: someone with the password. The password alone cannot disconnect it or silence it;
"Not me" ends the browser an alert was about wherever its session went since; what the password
alone changes is told in Telegram with buttons that work (docs/security.md, "A stolen
password")."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.models import (
    AlertPreference,
    BrowserRevocation,
    LoginRequest,
    SecurityNotice,
)
from telegram_login.security import browsers
from telegram_login.tests.flows import (
    PASSWORD,
    confirm_access_in_telegram,
    email_user,
    grant_telegram_confirmation,
    reauthenticate,
    sign_in_with_password,
    telegram_user_of,
)
from telegram_login.tests.helpers import (
    BROWSER_UA,
    FIREFOX_UA,
    OWNER_EMAIL,
    bot_messages,
    buttons,
    signed_in,
    start_sign_in,
)
from telegram_login.tests.helpers import (
    press_button as press,
)

pytestmark = pytest.mark.django_db

EMAIL = OWNER_EMAIL
NEW_PASSWORD = "another-long-Passw0rd-of-the-intruder"
CONNECTIONS_URL = "/accounts/3rdparty/"
TELEGRAM_CONFIRM_URL = "/accounts/telegram/reauthenticate/?next=%2Faccounts%2F3rdparty%2F"
NOT_ME = "Not me: sign this session out"
UNDO = "Not me: sign that browser out and undo"
EVERYWHERE = "Sign out everywhere"


def change_password(browser: Client) -> None:
    response = browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content


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
        "was unlinked from the account owner@example.test"
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

    response = intruder.post("/accounts/telegram/alerts/", {})

    assert response["Location"] == (
        "/accounts/telegram/reauthenticate/?next=%2Faccounts%2Ftelegram%2Falerts%2F"
    )
    assert not AlertPreference.objects.filter(user=user).exists()


def test_alerts_go_off_after_a_confirmation_in_telegram_and_not_me_turns_them_on_again(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    browser.post("/accounts/telegram/alerts/", {})

    confirm_access_in_telegram(
        browser, telegram, telegram_update, post_update, next_url="/accounts/telegram/alerts/"
    )

    assert AlertPreference.objects.get(user=user).sign_in_alerts is False
    notice = bot_messages(bot_api, telegram)[-1]
    assert "were turned off from Chrome 120 on Windows 10" in notice.text
    answer = press(bot_api, post_update, telegram_update, telegram, notice, UNDO)
    assert answer == "Signed out: Chrome 120 on Windows 10. Sign-in alerts are on again."
    assert AlertPreference.objects.get(user=user).sign_in_alerts is True
    assert not signed_in(browser)


# -- "Not me" follows the browser -------------------------------------------------------------


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


# -- What the password alone changes is told, with buttons that work --------------------------


def test_an_added_email_address_is_told_and_not_me_removes_it(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)
    intruder.post("/accounts/email/", {"action_add": "", "email": "mallory@example.test"})
    assert EmailAddress.objects.filter(user=user, email="mallory@example.test").exists()
    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith("✉️ The email address mallory@example.test was added to")

    answer = press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    assert answer.endswith("mallory@example.test is removed from the account.")
    assert not EmailAddress.objects.filter(email="mallory@example.test").exists()
    assert not signed_in(intruder)


def test_a_removed_email_address_is_told_and_not_me_puts_it_back(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    EmailAddress.objects.create(user=user, email="second@example.test", verified=True)
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)
    intruder.post("/accounts/email/", {"action_remove": "", "email": "second@example.test"})
    assert not EmailAddress.objects.filter(email="second@example.test").exists()
    notice = bot_messages(bot_api, telegram)[-1]
    assert "second@example.test was removed from" in notice.text

    press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    assert EmailAddress.objects.get(email="second@example.test").verified is True


def test_a_new_primary_address_is_told_and_not_me_makes_the_old_one_primary_again(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    EmailAddress.objects.create(user=user, email="second@example.test", verified=True)
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)
    intruder.post("/accounts/email/", {"action_primary": "", "email": "second@example.test"})
    assert EmailAddress.objects.get(primary=True).email == "second@example.test"
    notice = bot_messages(bot_api, telegram)[-1]
    assert "is now second@example.test (it was owner@example.test)" in notice.text

    press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    assert EmailAddress.objects.get(primary=True).email == EMAIL
    user.refresh_from_db()
    assert user.email == EMAIL


def test_a_password_set_on_a_telegram_account_is_told_and_not_me_unsets_it(
    bot_api, telegram_user, telegram_update, post_update
):
    from telegram_login.tests.flows import confirm_in_telegram

    telegram = telegram_user(first_name="Gleb")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)
    user = get_user_model().objects.get()
    grant_telegram_confirmation(browser, user, purpose="account_set_password")
    browser.post("/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD})
    user.refresh_from_db()
    assert user.has_usable_password()
    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith("🔑 A password was set for")

    press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    user.refresh_from_db()
    assert not user.has_usable_password()


def test_two_factor_turned_off_is_told_with_a_button_that_signs_the_browser_out(
    owner, bot_api, telegram_update, post_update
):
    from django.test import RequestFactory

    from telegram_login.security import account_changes

    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    request = RequestFactory().post("/accounts/2fa/totp/deactivate/", HTTP_USER_AGENT=FIREFOX_UA)
    request.session = intruder.session
    request.user = user

    class Totp:
        def get_type_display(self) -> str:
            return "TOTP"

    # What allauth.mfa's authenticator_removed signal calls (connected where the site has it;
    # this site has no allauth.mfa, whose models refuse to load without it).
    account_changes._authenticator_removed(
        sender=None, request=request, user=user, authenticator=Totp()
    )

    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith("🛡 Two-factor authentication (TOTP) was turned off for")
    assert set(buttons(notice)) == {NOT_ME, EVERYWHERE}
    press(bot_api, post_update, telegram_update, telegram, notice, NOT_ME)
    assert not signed_in(intruder)


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


def test_a_sign_in_marks_its_session_and_sets_the_browser_cookie(owner):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)

    mark = browsers.mark_in(browser.session)
    assert mark is not None
    cookie = browser.cookies[browsers.BROWSER_COOKIE]
    assert cookie.value == mark.id
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


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


def test_a_site_without_the_session_middleware_is_told_what_not_me_cannot_reach(settings):
    from telegram_login.checks import check_telegram_settings

    assert "telegram_login.W009" not in [m.id for m in check_telegram_settings()]
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m != "telegram_login.security.middleware.SessionActivityMiddleware"
    ]

    assert "telegram_login.W009" in [m.id for m in check_telegram_settings()]


def test_a_change_is_told_in_russian_to_a_russian_telegram_user(
    bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("ivan@example.test")
    telegram = telegram_user(first_name="Иван", language_code="ru")
    telegram_user_of(user, uid=telegram["id"], language_code="ru")
    bot_api.users[telegram["id"]] = telegram
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, "ivan@example.test")

    change_password(intruder)

    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith("🔑 Пароль ivan@example.test на telegram-login изменён.")
    assert "Откуда: Firefox 121, Ubuntu" in notice.text
    assert set(buttons(notice)) == {"Это не я: завершить тот браузер и отменить", "Выйти везде"}
    answer = press(
        bot_api,
        post_update,
        telegram_update,
        telegram,
        notice,
        "Это не я: завершить тот браузер и отменить",
    )
    assert "Пароль, заданный в том браузере, больше не действует" in answer


def test_old_notices_and_signed_out_browsers_records_are_pruned(owner, settings):
    from datetime import timedelta

    from django.utils import timezone

    from telegram_login import upkeep
    from telegram_login.models import BrowserRevocation

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


def test_a_password_reset_is_told_and_not_me_voids_the_new_password(
    owner, bot_api, telegram_update, post_update
):
    import re

    from django.core import mail

    user, telegram = owner
    browser = Client(HTTP_USER_AGENT=FIREFOX_UA)
    browser.post("/accounts/password/reset/", {"email": EMAIL})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    form = browser.get(link.group(1), follow=True)
    browser.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith(f"🔑 The password of {EMAIL} on telegram-login was reset")
    assert "From: Firefox 121 on Ubuntu" in notice.text

    press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    user.refresh_from_db()
    assert not user.has_usable_password()
    # No browser was signed in by the reset: nothing was signed out everywhere for it.
    assert not BrowserRevocation.objects.filter(browser="").exists()


def test_another_provider_connected_is_told_and_not_me_disconnects_it(
    owner, bot_api, telegram_update, post_update, monkeypatch
):
    from allauth.socialaccount.models import SocialLogin
    from allauth.socialaccount.signals import social_account_added
    from django.test import RequestFactory

    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    github = SocialAccount.objects.create(user=user, provider="github", uid="31337")

    class GitHub:
        name = "GitHub"

    monkeypatch.setattr(SocialAccount, "get_provider", lambda self, request=None: GitHub())
    request = RequestFactory().post("/accounts/github/login/callback/", HTTP_USER_AGENT=FIREFOX_UA)
    request.session = intruder.session
    request.user = user
    # What allauth sends once a connect through another provider went through.
    social_account_added.send(
        sender=SocialLogin, request=request, sociallogin=SocialLogin(account=github)
    )

    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith(f"🔗 GitHub now signs in to {EMAIL} on telegram-login")
    answer = press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    assert answer.endswith("GitHub no longer signs in to the account.")
    assert not SocialAccount.objects.filter(provider="github").exists()
    assert SocialAccount.objects.filter(provider="telegram_login").exists()
    assert not signed_in(intruder)


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


# allauth tells of an activation once it commits (transaction.on_commit), inside the request.
@pytest.mark.django_db(transaction=True)
def test_two_factor_turned_on_by_an_intruder_is_told_and_not_me_removes_it(
    owner, bot_api, telegram_update, post_update, settings
):
    """Someone with the password turns on a second factor of their own (allauth.mfa's TOTP):
    the owner's Telegram sign-in would then be asked for it. "Not me" removes it."""
    from allauth.mfa.models import Authenticator

    # allauth.mfa's code for tests, which it accepts only with DEBUG on.
    settings.DEBUG = True
    settings.MFA_TOTP_INSECURE_BYPASS_CODE = "246810"
    user, telegram = owner
    intruder = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(intruder, EMAIL)
    reauthenticate(intruder)
    assert intruder.get("/accounts/2fa/totp/activate/").status_code == HTTPStatus.OK
    activated = intruder.post("/accounts/2fa/totp/activate/", {"code": "246810"})
    assert activated.status_code == HTTPStatus.FOUND, activated.content
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith(
        "🛡 Two-factor authentication (TOTP Authenticator) was turned on for"
    )
    assert "From: Firefox 121 on Ubuntu" in notice.text

    answer = press(bot_api, post_update, telegram_update, telegram, notice, UNDO)

    assert answer.endswith("The two-factor authentication it turned on is removed.")
    assert not Authenticator.objects.filter(user=user).exists()  # recovery codes gone too
    assert not signed_in(intruder)
