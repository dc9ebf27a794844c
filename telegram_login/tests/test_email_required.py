"""A site whose sign-up asks for an email address (allauth's default when `ACCOUNT_SIGNUP_FIELDS`
has "email*"): a new Telegram user gives one on allauth's social sign-up page, then the site's
own verification rules apply as for any social sign-up; a returning one lands in their account."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from telegram_login.tests.flows import confirm_in_telegram, sign_in_with_telegram
from telegram_login.tests.helpers import BROWSER_UA, bot_messages, signed_in

pytestmark = pytest.mark.django_db

SOCIAL_SIGNUP_URL = "/accounts/3rdparty/signup/"


@pytest.fixture
def email_required(settings):
    """The site's sign-up needs an address: allauth asks a new Telegram user for one."""
    settings.SOCIALACCOUNT_EMAIL_REQUIRED = True


def give_email(browser: Client, address: str) -> object:
    page = browser.get(SOCIAL_SIGNUP_URL)
    assert page.status_code == HTTPStatus.OK
    return browser.post(SOCIAL_SIGNUP_URL, {"email": address})


def confirm_mailed_link(browser: Client, address: str) -> object:
    (message,) = [sent for sent in mail.outbox if address in sent.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[-1]
    return browser.post(path)


def test_a_new_telegram_user_is_asked_for_an_email_and_signed_in(
    email_required, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Neo")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)

    done = confirm_in_telegram(browser, telegram, telegram_update, post_update)
    assert done["HX-Redirect"] == SOCIAL_SIGNUP_URL
    # The widget, until the browser gets there, does not say "Signed in".
    assert "One more step" in done.content.decode()
    assert "Signed in" not in done.content.decode()
    assert not signed_in(browser)
    form = browser.get(SOCIAL_SIGNUP_URL).content.decode()
    assert 'name="email"' in form

    given = browser.post(SOCIAL_SIGNUP_URL, {"email": "neo@example.com"})

    assert given.status_code == HTTPStatus.FOUND
    assert signed_in(browser)
    user = get_user_model().objects.get(socialaccount__uid=str(telegram["id"]))
    assert user.email == "neo@example.com"


def test_the_telegram_username_is_kept_through_the_sign_up_form(
    email_required, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Anna", username="anna_tg")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    give_email(browser, "anna@example.com")

    user = get_user_model().objects.get(socialaccount__uid=str(telegram["id"]))
    assert user.username == "anna_tg"


def test_an_address_left_empty_is_asked_for_again_and_nothing_is_made(
    email_required, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Neo")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    given = give_email(browser, "")

    assert given.status_code == HTTPStatus.OK
    assert "This field is required." in given.content.decode()
    assert not get_user_model().objects.filter(socialaccount__uid=str(telegram["id"])).exists()
    assert not signed_in(browser)


@pytest.fixture
def mandatory_verification(email_required, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    # Signed in by the link, in the browser that signed up (allauth's own setting).
    settings.ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True


def test_with_mandatory_verification_the_person_is_told_a_mail_was_sent_and_ends_signed_in(
    mandatory_verification, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Neo")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    given = give_email(browser, "neo@example.com")

    assert given["Location"] == "/accounts/confirm-email/"
    told = browser.get(given["Location"])
    assert told.status_code == HTTPStatus.OK
    assert "We have sent an email to you for verification" in told.content.decode()
    assert not signed_in(browser)

    confirmed = confirm_mailed_link(browser, "neo@example.com")

    assert confirmed.status_code == HTTPStatus.FOUND
    assert signed_in(browser)
    assert EmailAddress.objects.filter(email="neo@example.com", verified=True).exists()


def test_without_login_on_confirmation_the_person_signs_in_with_telegram_after_confirming(
    email_required, settings, bot_api, telegram_user, telegram_update, post_update
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
    telegram = telegram_user(first_name="Neo")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)
    give_email(browser, "neo@example.com")

    confirmed = confirm_mailed_link(browser, "neo@example.com")

    assert confirmed["Location"] == "/accounts/login/"
    assert not signed_in(browser)
    sign_in_with_telegram(browser, telegram, telegram_update, post_update)
    assert signed_in(browser)


def test_with_mandatory_verification_a_returning_telegram_user_lands_in_their_account(
    mandatory_verification, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Neo")
    first = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(first, telegram, telegram_update, post_update)
    give_email(first, "neo@example.com")
    confirm_mailed_link(first, "neo@example.com")
    made = get_user_model().objects.get(socialaccount__uid=str(telegram["id"]))

    again = Client(HTTP_USER_AGENT=BROWSER_UA)
    returning = sign_in_with_telegram(again, telegram, telegram_update, post_update)

    assert returning.pk == made.pk
    assert signed_in(again)
    assert get_user_model().objects.count() == 1


def test_two_new_telegram_users_each_get_their_own_account(
    mandatory_verification, bot_api, telegram_user, telegram_update, post_update
):
    for name in ("Neo", "Trinity"):
        telegram = telegram_user(first_name=name)
        browser = Client(HTTP_USER_AGENT=BROWSER_UA)
        confirm_in_telegram(browser, telegram, telegram_update, post_update)
        address = f"{name.lower()}@example.com"
        give_email(browser, address)
        confirm_mailed_link(browser, address)
        assert signed_in(browser)

    assert sorted(get_user_model().objects.values_list("email", flat=True)) == [
        "neo@example.com",
        "trinity@example.com",
    ]


def test_an_address_of_another_account_is_refused_in_words(
    email_required, bot_api, owner, telegram_user, telegram_update, post_update
):
    user, _ = owner
    taken = EmailAddress.objects.filter(user=user).values_list("email", flat=True).first()
    assert taken
    telegram = telegram_user(first_name="Neo")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    given = give_email(browser, taken)

    assert given.status_code == HTTPStatus.OK
    assert "An account already exists with this email address" in given.content.decode()
    assert not signed_in(browser)


def test_the_bot_does_not_say_signed_in_before_the_sign_up_is_finished(
    email_required, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Neo")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    said = " ".join((message.text or "") for message in bot_messages(bot_api, telegram))

    assert "Signed in" not in said


def test_with_mandatory_verification_another_accounts_address_is_told_to_its_owner_by_mail(
    mandatory_verification, bot_api, owner, telegram_user, telegram_update, post_update
):
    user, _ = owner
    taken = EmailAddress.objects.filter(user=user).values_list("email", flat=True).first()
    telegram = telegram_user(first_name="Eve")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)
    mail.outbox.clear()

    given = give_email(browser, taken)

    # allauth's enumeration prevention: the page cannot say whose the address is, so it says
    # what it says for any address, and the address's owner hears of it by mail.
    assert given["Location"] == "/accounts/confirm-email/"
    (told,) = mail.outbox
    assert told.to == [taken]
    assert "already" in told.subject.lower() or "already" in told.body.lower()
    assert not get_user_model().objects.filter(socialaccount__uid=str(telegram["id"])).exists()
    assert not signed_in(browser)
