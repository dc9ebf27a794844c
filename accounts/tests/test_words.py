"""The site's words where allauth's would differ: sentence case, and one Russian word for
"optional" on every page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from accounts.forms import LoginForm

pytestmark = pytest.mark.django_db


def test_the_sign_in_form_asks_to_remember_me_in_sentence_case(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert ">Remember me</label>" in page
    assert "Remember Me" not in page


def test_the_sign_in_form_in_russian(client: Client) -> None:
    page = client.get("/accounts/login/", headers={"accept-language": "ru"}).content.decode()
    assert ">Запомнить меня</label>" in page


@pytest.mark.parametrize("label", ["Email (optional)", "Username (optional)"])
def test_allauths_optional_fields_say_neobyazatelno_as_the_rest_of_the_site(label: str) -> None:
    with translation.override("ru"):
        said = gettext(label)
    assert said.endswith("(необязательно)"), said


def test_the_sandbox_asks_for_optional_names_in_one_word(sandbox: object, client: Client) -> None:
    page = client.get("/telegram/sandbox/", headers={"accept-language": "ru"}).content.decode()
    assert "Фамилия (необязательно)" in page
    assert "Имя пользователя (необязательно)" in page
    assert "опционально" not in page
    assert "Изображает" not in page


def test_the_login_form_keeps_allauths_fields() -> None:
    assert list(LoginForm().fields) == ["login", "password", "remember"]
