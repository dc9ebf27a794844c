"""What the password alone changes is told in the linked Telegram, with buttons that work:
"Not me" signs that browser out and undoes the change (docs/security.md, "A stolen
password")."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from telegram_login.models import BrowserRevocation
from telegram_login.tests.flows import (
    PASSWORD,
    email_user,
    grant_telegram_confirmation,
    reauthenticate,
    sign_in_with_password,
    telegram_user_of,
)
from telegram_login.tests.helpers import BROWSER_UA, FIREFOX_UA, bot_messages, buttons, signed_in
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
