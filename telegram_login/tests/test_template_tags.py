"""The template tags as docs/templates.md documents them: a login page of the site's own signs in
with exactly the documented snippet, and the page names every tag and filter the app ships."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from telegram_login.compat import HAS_OWN_PARTS
from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.templatetags import telegram_login as telegram_login_tags
from telegram_login.templatetags import telegram_oidc as telegram_oidc_tags
from telegram_login.tests.helpers import BROWSER_UA, DEEP_LINK_RE, poll

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "templates.md"
# A base template as bare as a site's may be: no htmx, no CSRF header, no styles.
BARE_BASE = "<!doctype html><html><body>{% block content %}{% endblock content %}</body></html>"


def documented_snippet(name: str) -> str:
    """The fenced template under `<!-- snippet: name ... -->` in docs/templates.md."""
    found = re.search(
        rf"<!-- snippet: {re.escape(name)}\b[^>]*-->\s*```django\n(.*?)```", DOCS.read_text(), re.S
    )
    assert found, f"docs/templates.md has no snippet {name!r}"
    return found.group(1)


@pytest.fixture
def own_login_page(settings: Any, tmp_path: Path) -> None:
    """The site's own account/login.html: the documented snippet, over a bare base.html."""
    (tmp_path / "account").mkdir()
    (tmp_path / "base.html").write_text(BARE_BASE)
    (tmp_path / "account" / "login.html").write_text(documented_snippet("own-login-page"))
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}, *settings.TEMPLATES[1:]]


def _start_form(page: str) -> tuple[str, dict[str, str]]:
    """The widget's start form on a page: where it posts and its fields."""
    form = re.search(
        r'<form method="post" action="([^"]+/telegram-login/login/)"(.*?)</form>', page, re.S
    )
    assert form, page
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    return html.unescape(form.group(1)), {k: html.unescape(v) for k, v in fields.items()}


def test_a_login_page_of_the_sites_own_signs_in_with_the_documented_snippet(
    own_login_page, bot_api, telegram_user, telegram_update, post_update
):
    # CSRF checked as a real browser meets it: the page itself sets no token for htmx.
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER_UA)
    page = browser.get("/accounts/login/?next=/%3Ffrom%3Down-page")
    assert page.status_code == 200
    content = page.content.decode()
    assert content.startswith("<!doctype html><html><body>")
    # The widget brings its own look and script (which loads htmx where the page has none).
    assert "telegram_login/telegram-login.css" in content
    assert "telegram_login/telegram-login.js" in content

    action, fields = _start_form(content)
    assert fields["process"] == "login"
    assert fields["next"] == "/?from=own-page"
    assert fields["csrfmiddlewaretoken"]
    started = browser.post(action, fields, headers={"HX-Request": "true"})
    link = DEEP_LINK_RE.search(started.content.decode())
    assert link, started.content.decode()

    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {link.group(1)}")))
    login_request = LoginRequest.objects.get()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(person, data)))
    done = poll(browser, login_request, shown="claimed")

    assert done["HX-Redirect"] == "/?from=own-page"
    assert browser.get("/").wsgi_request.user.socialaccount_set.get().uid == str(person["id"])


def test_docs_templates_md_names_every_tag_and_filter_the_app_ships():
    docs = DOCS.read_text()
    shipped = {
        *telegram_login_tags.register.tags,
        *telegram_login_tags.register.filters,
        *telegram_oidc_tags.register.tags,
    }
    if not HAS_OWN_PARTS:
        # Django 5.2: django-template-partials' own tags, carried along (the docs say so).
        from template_partials.templatetags.partials import register as partials

        shipped -= set(partials.tags)

    documented = set(re.findall(r"\{% (\w+)", docs)) | set(re.findall(r"\\?\|(\w+) \}\}", docs))
    assert sorted(shipped - documented) == []
