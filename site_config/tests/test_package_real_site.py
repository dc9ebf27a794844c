"""The wheel in a site built as cookiecutter-django builds one, with README's lines added: an
email-only user model, mandatory email verification, adapters and forms of its own, allauth.mfa,
allauth's own Telegram provider, settings as tuples. Two new Telegram users give an address,
confirm it and sign in; one comes back in another browser and lands in the same account; no
answer is a 5xx and no redirect goes round; `manage.py check` names each trap that is set. On
Django 5.2 with this Python and on Django 6.1 with Python 3.13."""

from __future__ import annotations

import email
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import Message
from http import HTTPStatus
from pathlib import Path
from textwrap import dedent
from urllib.parse import urlsplit

import pytest
import responses

from site_config.tests.package_support import (
    Browser,
    Site,
    confirm_in_telegram,
    django_version,
    fake_bot_api_server,
    python313,
    readme_blocks,
    readme_settings_for,
    run_site_pytest,
    running_site,
    telegram_user,
    virtualenv,
)
from site_config.tests.test_package_test_kit import EXAMPLE, documented_file
from telegram_login.sandbox.fake_api import FakeBotApi

pytestmark = pytest.mark.package

SOCIAL_SIGNUP_URL = "/accounts/3rdparty/signup/"
MAIL_DIR = "sent-mail"
# README's URL line that a site with allauth's URLs leaves out, as its comment says.
ALLAUTH_URLS_LINE = "# unless the site has it already"

# The site's own app, as cookiecutter-django generates it for "username_type: email".
USERS_APP = {
    "users/__init__.py": "",
    "users/migrations/__init__.py": "",
    "users/apps.py": """
        from django.apps import AppConfig


        class UsersConfig(AppConfig):
            name = "users"
            default_auto_field = "django.db.models.BigAutoField"
        """,
    "users/managers.py": """
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import UserManager as DjangoUserManager


        class UserManager(DjangoUserManager):
            def _create_user(self, email, password, **extra_fields):
                if not email:
                    raise ValueError("The given email must be set")
                user = self.model(email=self.normalize_email(email), **extra_fields)
                user.password = make_password(password)
                user.save(using=self._db)
                return user

            def create_user(self, email, password=None, **extra_fields):
                extra_fields.setdefault("is_staff", False)
                extra_fields.setdefault("is_superuser", False)
                return self._create_user(email, password, **extra_fields)

            def create_superuser(self, email, password=None, **extra_fields):
                extra_fields.setdefault("is_staff", True)
                extra_fields.setdefault("is_superuser", True)
                return self._create_user(email, password, **extra_fields)
        """,
    "users/models.py": """
        from typing import ClassVar

        from django.contrib.auth.models import AbstractUser
        from django.db import models

        from .managers import UserManager


        class User(AbstractUser):
            # First and last name do not cover name patterns around the globe.
            name = models.CharField("Name of User", blank=True, max_length=255)
            first_name = None
            last_name = None
            email = models.EmailField("email address", unique=True)
            username = None

            USERNAME_FIELD = "email"
            REQUIRED_FIELDS = []

            objects: ClassVar[UserManager] = UserManager()
        """,
    # cookiecutter's adapters, made to extend the app's as README says.
    "users/adapters.py": """
        from django.conf import settings

        from telegram_login.adapter import AccountAdapter as TelegramAccountAdapter
        from telegram_login.adapter import SocialAccountAdapter as TelegramSocialAccountAdapter


        class AccountAdapter(TelegramAccountAdapter):
            def is_open_for_signup(self, request):
                return getattr(settings, "ACCOUNT_ALLOW_REGISTRATION", True)


        class SocialAccountAdapter(TelegramSocialAccountAdapter):
            def is_open_for_signup(self, request, sociallogin):
                return getattr(settings, "ACCOUNT_ALLOW_REGISTRATION", True)

            def populate_user(self, request, sociallogin, data):
                user = sociallogin.user
                if name := data.get("name"):
                    user.name = name
                elif first_name := data.get("first_name"):
                    user.name = first_name
                    if last_name := data.get("last_name"):
                        user.name += f" {last_name}"
                return super().populate_user(request, sociallogin, data)
        """,
    # The same adapters as cookiecutter generates them, on allauth's own.
    "users/generated_adapters.py": """
        from allauth.account.adapter import DefaultAccountAdapter
        from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


        class AccountAdapter(DefaultAccountAdapter):
            pass


        class SocialAccountAdapter(DefaultSocialAccountAdapter):
            pass
        """,
    "users/forms.py": """
        from allauth.account.forms import SignupForm
        from allauth.socialaccount.forms import SignupForm as SocialSignupForm


        class UserSignupForm(SignupForm):
            pass


        class UserSocialSignupForm(SocialSignupForm):
            pass
        """,
    # The test's window into the site: who is signed in, and how many accounts there are.
    "users/views.py": """
        from django.contrib.auth import get_user_model
        from django.contrib.auth.decorators import login_required
        from django.http import JsonResponse
        from django.shortcuts import redirect


        @login_required
        def user_redirect(request):
            return redirect("users:me")


        @login_required
        def me(request):
            return JsonResponse(
                {
                    "email": request.user.email,
                    "name": request.user.name,
                    "users": get_user_model().objects.count(),
                }
            )
        """,
    "users/urls.py": """
        from django.urls import path

        from . import views

        app_name = "users"
        urlpatterns = [
            path("~redirect/", views.user_redirect, name="redirect"),
            path("me/", views.me, name="me"),
        ]
        """,
}

# Before README's lines: the apps, middleware and backends, as tuples, with allauth in them.
SITE_SETTINGS = """
INSTALLED_APPS = (
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.telegram",
    "users",
)
MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
)
AUTHENTICATION_BACKENDS = (
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
)
AUTH_USER_MODEL = "users.User"
LOGIN_REDIRECT_URL = "users:redirect"
LOGIN_URL = "account_login"
SITE_ID = 1
"""
# The mail a person would get, where the test reads it: Django 6.1 names its mailers.
MAIL_SETTINGS = {
    "5.2": f"""
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "{MAIL_DIR}"
""",
    "6.1": f"""
MAILERS = {{
    "default": {{
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {{"file_path": BASE_DIR / "{MAIL_DIR}"}},
    }},
}}
""",
}

# After README's lines, as in cookiecutter's base.py: its django-allauth section.
SITE_ALLAUTH_SETTINGS = """
ACCOUNT_ALLOW_REGISTRATION = True
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_ADAPTER = "users.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "users.forms.UserSignupForm"}
SOCIALACCOUNT_ADAPTER = "users.adapters.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "users.forms.UserSocialSignupForm"}
# allauth's own Telegram provider (Telegram's login widget), with a bot of its own.
SOCIALACCOUNT_PROVIDERS = {
    "telegram": {"APP": {"client_id": "4343", "secret": "4343:ALLAUTH-widget-token"}},
}
"""

SITE_URLS = """
from django.urls import include

urlpatterns += [
    path("users/", include("users.urls", namespace="users")),
    path("accounts/", include("allauth.urls")),
]
"""


def _site_urls() -> str:
    """The site's URLs, then README's without the line for allauth's, which the site has."""
    _, urls_block = readme_blocks()
    lines = urls_block.splitlines(keepends=True)
    kept = [line for line in lines if ALLAUTH_URLS_LINE not in line]
    assert len(kept) == len(lines) - 1, "README's URL lines no longer mark allauth's as optional"
    return SITE_URLS + "".join(kept)


@pytest.fixture(scope="module", params=["5.2", "6.1"], ids=["django-5.2", "django-6.1"])
def real_site(
    request: pytest.FixtureRequest, wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Site, FakeBotApi]]:
    """The site in a fresh virtualenv with the wheel and allauth's MFA (as cookiecutter's
    requirements have it): on Django 5.2 with this Python, or 6.1 with Python 3.13."""
    wanted = request.param
    interpreter = python313() if wanted == "6.1" else None
    root = tmp_path_factory.mktemp(f"real-site-django{wanted}")
    python = virtualenv(root, str(wheel), "django-allauth[mfa]", interpreter=interpreter)
    assert django_version(python).startswith(wanted)
    with fake_bot_api_server() as server:
        settings = (
            SITE_SETTINGS
            + MAIL_SETTINGS[wanted]
            + readme_settings_for(server)
            + SITE_ALLAUTH_SETTINGS
        )
        files = {name: dedent(text).lstrip() for name, text in USERS_APP.items()}
        with running_site(
            root,
            python,
            settings=settings,
            urls=_site_urls(),
            files=files,
            make_migrations=["users"],
        ) as site:
            yield site, server.api


def test_two_new_telegram_users_sign_up_with_an_address_and_one_comes_back(real_site) -> None:
    site, api = real_site
    people = [
        (telegram_user(5_400_001, "Ada"), "ada@example.com"),
        (telegram_user(5_400_002, "Brian"), "brian@example.com"),
    ]
    browsers = [Browser(site.url) for _ in people]
    for browser, (user, address), impatient in zip(browsers, people, [False, True], strict=True):
        _signs_up_and_in(browser, site, api, user, address, impatient=impatient)

    # Ada again, in another browser: straight into her account, nobody new.
    returning = Browser(site.url)
    landed = confirm_in_telegram(returning, api, people[0][0])
    assert returning.get(landed).json() == {"email": "ada@example.com", "name": "Ada", "users": 2}
    assert returning.signed_in()


def _signs_up_and_in(
    browser: Browser, site: Site, api: FakeBotApi, user: dict, address: str, *, impatient: bool
) -> None:
    """A new Telegram user on this site: the code in Telegram, then allauth's social sign-up asks
    for an address, the mailed link confirms it, and Telegram signs them in. An `impatient` one
    signs in with Telegram again before confirming."""
    landed = confirm_in_telegram(browser, api, user)
    assert landed == SOCIAL_SIGNUP_URL
    # The bot says "signed in" only once they are.
    assert not _said_signed_in(api, user)
    form = browser.get(landed)
    assert form.status_code == HTTPStatus.OK
    assert 'name="email"' in form.text
    assert not browser.signed_in()

    told = browser.post_form(form, SOCIAL_SIGNUP_URL, email=address)
    assert urlsplit(told.url).path == "/accounts/confirm-email/"
    assert "We have sent an email to you for verification" in told.text
    assert not browser.signed_in()
    if impatient:
        # Telegram again before the mail is confirmed: told the same, not let in, no loop.
        again = browser.get(confirm_in_telegram(browser, api, user))
        assert urlsplit(again.url).path == "/accounts/confirm-email/"
        assert "We have sent an email to you for verification" in again.text
        assert not browser.signed_in()
        assert not _said_signed_in(api, user)

    link = _mailed_link(site, address)
    confirm_page = browser.get(link)
    assert confirm_page.status_code == HTTPStatus.OK
    confirmed = browser.post_form(confirm_page, urlsplit(link).path)
    # allauth's default: confirming does not sign in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION).
    assert urlsplit(confirmed.url).path == "/accounts/login/"
    assert not browser.signed_in()

    landed = confirm_in_telegram(browser, api, user)
    me = browser.get(landed)
    assert me.json()["email"] == address
    assert browser.signed_in()
    assert _said_signed_in(api, user)


def _said_signed_in(api: FakeBotApi, user: dict) -> bool:
    return any("Signed in" in message.text for message in api.chat(user["id"]))


def _mailed_link(site: Site, address: str) -> str:
    """The confirmation link in the last mail to `address`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        bodies = [_text(message) for message in _mails(site) if address in message["To"]]
        links = re.findall(r"https?://\S+/accounts/confirm-email/[^/\s]+/", "\n".join(bodies))
        if links:
            return links[-1]
        time.sleep(0.1)
    pytest.fail(f"no confirmation mail to {address}")


def _mails(site: Site) -> list[Message]:
    """Every mail the filebased backend wrote, oldest first."""
    mails = []
    for path in sorted((site.path / MAIL_DIR).glob("*")):
        for raw in path.read_bytes().split(b"-" * 79):
            if raw.strip():
                mails.append(email.message_from_bytes(raw.strip()))
    return mails


def _text(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(
        part.get_payload(decode=True).decode()
        for part in parts
        if part.get_content_type() == "text/plain"
    )


def test_the_login_page_names_both_telegram_choices_apart(real_site) -> None:
    site, _ = real_site
    browser = Browser(site.url)
    page = browser.get("/accounts/login/")
    providers = dict(re.findall(r'<a title="([^"]+)" href="([^"]+)"', page.text))
    assert providers["Telegram"].startswith("/accounts/telegram/login/")
    assert providers["Telegram (bot)"].startswith("/accounts/telegram-login/login/")
    # allauth's own asks to go on, then hands the browser to Telegram's login widget.
    own = browser.get(providers["Telegram"].replace("&amp;", "&"))
    assert own.status_code == HTTPStatus.OK
    handed = browser.post_form(own, providers["Telegram"].replace("&amp;", "&"))
    assert handed.is_redirect
    assert handed.headers["Location"].startswith("https://oauth.telegram.org/auth?")


def _check(site: Site, **settings: str) -> str:
    """`manage.py check` with `settings` over the site's own; what it says, and how it ends."""
    module = "settings_" + ("_".join(sorted(settings)).lower() or "as_they_are")
    lines = [f"{name} = {value}" for name, value in settings.items()]
    (site.path / "bare" / f"{module}.py").write_text(
        "from .settings import *  # noqa: F403\n" + "\n".join(lines) + "\n"
    )
    checked = site.manage("check", "--settings", f"bare.{module}")
    return f"exit {checked.returncode}\n{checked.stdout}{checked.stderr}"


def test_check_names_allauths_own_telegram_provider_and_no_error(real_site) -> None:
    site, _ = real_site
    said = _check(site)
    assert said.startswith("exit 0"), said
    assert "telegram_login.W026" in said
    assert "telegram_login.E" not in said


def test_check_refuses_no_address_at_sign_up_on_this_site(real_site) -> None:
    """Mandatory verification would wait for a mail to an address never given (E027), and the
    second new Telegram user could not be saved beside the first's empty address (E028)."""
    site, _ = real_site
    said = _check(site, SOCIALACCOUNT_EMAIL_REQUIRED="False")
    assert said.startswith("exit 1"), said
    assert "telegram_login.E027" in said
    assert "telegram_login.E028" in said


def test_check_refuses_the_adapters_as_cookiecutter_generates_them(real_site) -> None:
    site, _ = real_site
    said = _check(
        site,
        ACCOUNT_ADAPTER='"users.generated_adapters.AccountAdapter"',
        SOCIALACCOUNT_ADAPTER='"users.generated_adapters.SocialAccountAdapter"',
    )
    assert said.startswith("exit 1"), said
    assert "telegram_login.E005" in said


@responses.activate
def test_the_tests_browser_stops_at_a_redirect_loop_and_at_a_server_error() -> None:
    """What the sign-ins above rely on: a loop or a 5xx fails them."""
    site = "http://site.test"
    responses.get(f"{site}/accounts/login/", status=302, headers={"Location": "/accounts/a/"})
    responses.get(f"{site}/accounts/a/", status=302, headers={"Location": "/accounts/login/"})
    responses.get(f"{site}/accounts/b/", status=HTTPStatus.INTERNAL_SERVER_ERROR)
    browser = Browser(site)
    with pytest.raises(AssertionError, match="a redirect loop"):
        browser.get("/accounts/login/")
    with pytest.raises(AssertionError, match="500"):
        browser.get("/accounts/b/")


def test_the_documented_test_client_example_runs_green_on_this_site_too(
    real_site: tuple[Site, FakeBotApi], wheels: Path
) -> None:
    """docs/testing.md's example file, verbatim, in this site's own tests: a real bot configured
    (the kit answers its API itself), an email-only user model, mandatory verification (the kit
    gives the address on allauth's sign-up form and follows the mailed link)."""
    site, _ = real_site
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(site.python),
            "install",
            "-q",
            "--find-links",
            str(wheels),
            "telegram-login-sandbox[testing]",
        ],
        check=True,
        capture_output=True,
    )
    example = documented_file(EXAMPLE)
    (site.path / "tests").mkdir(exist_ok=True)
    (site.path / "tests" / "__init__.py").write_text("")
    (site.path / EXAMPLE).write_text(example)
    (site.path / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = bare.settings\n")
    summary = run_site_pytest(site, "tests")
    assert re.search(r"\b7 passed\b", summary), summary
