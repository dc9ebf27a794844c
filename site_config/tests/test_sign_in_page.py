"""The sign-in page has one main action, Telegram; Telegram's login page is a small link under it,
email and password below; while a sign-in runs, nothing else on the page competes with it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from telegram_login.tests.helpers import start_sign_in
from telegram_login.tests.oidc_support import *  # noqa: F403  the fixtures

pytestmark = pytest.mark.django_db

# A site's stylesheet styles these as the page's main action (static/css/site.css).
NOT_MAIN = {"secondary", "link-button", "danger"}


class Controls(HTMLParser):
    """Every button and link of the page's main part, with the classes of the elements around."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []
        self.controls: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = set((found.get("class") or "").split())
        if "hidden" in found:
            # Not shown (the Mini App's one tap, shown only inside Telegram's Mini App).
            classes.add("[hidden]")
        if tag in {"button", "a", "form"} and any(t == "main" for t, _ in self.stack):
            self.controls.append(
                {
                    "tag": tag,
                    "classes": classes,
                    "testid": found.get("data-testid"),
                    "inside": set().union(*(c for _, c in self.stack)),
                    "action": found.get("action"),
                }
            )
        if tag not in self.VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return


def controls_of(page: str) -> list[dict[str, object]]:
    parser = Controls()
    parser.feed(page)
    return parser.controls


def main_actions(page: str) -> list[dict[str, object]]:
    """What looks like the page's main action: a button-styled control that is not secondary."""
    return [
        c
        for c in controls_of(page)
        if c["tag"] != "form"
        and "button" in c["classes"]
        and not c["classes"] & NOT_MAIN
        and "[hidden]" not in c["inside"]
    ]


def test_the_sign_in_page_has_one_main_action_sign_in_with_telegram(oidc_issuer):
    page = Client().get("/accounts/login/").content.decode()

    [main] = main_actions(page)
    assert main["testid"] == "telegram-start"
    # Telegram's login page: a link-like button, not a second main action.
    [oidc] = [c for c in controls_of(page) if c["testid"] == "telegram-oidc-start"]
    assert oidc["classes"] == {"telegram-oidc-link"}
    # The email form's own button is there, quieter.
    email_buttons = [
        c
        for c in controls_of(page)
        if c["tag"] == "button" and "button" in c["classes"] and "[hidden]" not in c["inside"]
    ]
    assert [sorted(c["classes"]) for c in email_buttons] == [
        ["button", "telegram", "wide"],
        ["button", "secondary", "wide"],
    ]


def test_in_russian_too_one_main_action(oidc_issuer):
    page = Client().get("/accounts/login/", headers={"accept-language": "ru"}).content.decode()
    [main] = main_actions(page)
    assert main["testid"] == "telegram-start"
    assert "Или войти на сайте Telegram" in page
    assert "на странице входа" not in page


def test_while_a_sign_in_runs_everything_else_on_the_page_steps_aside(oidc_issuer):
    browser = Client()
    start_sign_in(browser)

    # The page as a reload shows it: the sign-in resumed, its code in view.
    page = browser.get("/accounts/login/").content.decode()

    assert 'data-state="pending"' in page
    widget_forms = {"/accounts/telegram-login/login/"}
    others = [
        c
        for c in controls_of(page)
        if "telegram-login" not in c["inside"]
        and "telegram-login-slot" not in c["inside"]
        and c["action"] not in widget_forms
    ]
    # Telegram's login page, the email form and its links, the way to sign up: each inside what
    # steps aside while the widget says a sign-in runs.
    assert {c["testid"] for c in others} >= {"telegram-oidc-start"}
    assert any(c["action"] == "/accounts/login/" for c in others)
    assert all("telegram-login-others" in c["inside"] for c in others), [
        (c["tag"], c["testid"], c["action"]) for c in others
    ]
    # Inside the widget: the deep link is the one main action, and Cancel brings the rest back.
    [main] = main_actions(page)
    assert main["testid"] == "deep-link"
    assert 'data-testid="telegram-cancel"' in page


def test_the_widgets_stylesheet_hides_the_others_while_a_sign_in_runs():
    css = Path(finders.find("telegram_login/telegram-login.css")).read_text()
    rule = css[css.index("body:has(") :]
    selector, _, body = rule.partition("{")
    assert ".telegram-login[data-state=pending]" in selector
    assert ".telegram-login[data-state=claimed]" in selector
    assert selector.strip().endswith(".telegram-login-others")
    assert body.strip().startswith("display: none;")


def test_the_sign_up_page_too_has_one_main_action_and_its_form_steps_aside(oidc_issuer):
    browser = Client()
    page = browser.get("/accounts/signup/").content.decode()
    [main] = main_actions(page)
    assert main["testid"] == "telegram-start"

    start_sign_in(browser)
    page = browser.get("/accounts/signup/").content.decode()
    assert 'data-state="pending"' in page
    [signup_form] = [c for c in controls_of(page) if c["action"] == "/accounts/signup/"]
    assert "telegram-login-others" in signup_form["inside"]
