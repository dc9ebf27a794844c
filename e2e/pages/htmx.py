"""The sign-in page as other sites have it: with the page's own htmx 2, with htmx 4 loaded
before the widget, or with no htmx at all (the widget then brings its own htmx 2)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, Route, expect

from .site import LOGIN_PATH

HTMX_4_FILE = Path(__file__).parents[1] / "vendor" / "htmx-4.0.1.min.js"
# Where the page asks for htmx 4; the browser suite answers it, the site has no such file.
HTMX_4_URL = "/static/e2e/htmx-4.0.1.min.js"
SITE_HTMX_2_URL = "/static/django_htmx/htmx-2.min.js"
# The htmx a page loads before the widget, by the name the tests give it.
PAGE_HTMX = {"htmx2": SITE_HTMX_2_URL, "htmx4": HTMX_4_URL, "none": None}
# The version that ends up running the widget.
RUNNING_HTMX = {"htmx2": "2.", "htmx4": "4.", "none": "2."}
# What django-htmx's {% htmx_script %} puts in the head: htmx 2 and, with DEBUG, its debug
# helper, which shows a failed request's error page in full (a production page has no helper).
DJANGO_HTMX_SCRIPTS_RE = re.compile(r'<script src="[^"]*/django_htmx/[^"]*"[^>]*></script>\s*')


def load_htmx(page: Page, server_url: str, which: str) -> None:
    """From now on this tab gets the sign-in page with `which` htmx in its head (PAGE_HTMX), in
    place of the site's own, before the widget's script."""
    page.route(
        f"{server_url}{HTMX_4_URL}",
        lambda route: route.fulfill(path=HTMX_4_FILE, content_type="text/javascript"),
    )

    def rewrite(route: Route) -> None:
        response = route.fetch(max_redirects=0)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            route.fulfill(response=response)
            return
        html = DJANGO_HTMX_SCRIPTS_RE.sub("", response.text())
        src = PAGE_HTMX[which]
        if src:
            html = html.replace("</head>", f'<script src="{src}" defer></script>\n</head>', 1)
        route.fulfill(response=response, body=html)

    page.route(lambda url: urlsplit(url).path == LOGIN_PATH, rewrite)


def expect_htmx(page: Page, which: str) -> None:
    """The page runs the htmx the test asked for, and only the site's or the widget's copy."""
    expect(page.locator("#telegram-login")).to_be_attached()
    version = page.wait_for_function("() => window.htmx && window.htmx.version").json_value()
    assert str(version).startswith(RUNNING_HTMX[which]), (which, version)
    sources = page.eval_on_selector_all("script[src*=htmx]", "all => all.map(s => s.src)")
    assert len(sources) == 1, sources
