"""What the tests of the security key share: the owner's address, the intruder's password and
the change they make with it, and the buttons under an alert or a notice."""

from __future__ import annotations

from http import HTTPStatus

from django.test import Client

from telegram_login.tests.flows import PASSWORD
from telegram_login.tests.helpers import OWNER_EMAIL

EMAIL = OWNER_EMAIL
NEW_PASSWORD = "another-long-Passw0rd-of-the-intruder"
NOT_ME = "Not me: sign this session out"
UNDO = "Not me: sign that browser out and undo"
EVERYWHERE = "Sign out everywhere"


def change_password(browser: Client) -> None:
    """Change the password from PASSWORD to NEW_PASSWORD in `browser`, as the intruder does."""
    response = browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content
