"""What the kit reads on the site's pages, as a browser shows them: the widget's link, code and
poll, the words a person would read."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_ATTRIBUTE = r'{name}="([^"]*)"'


class TelegramKitError(AssertionError):
    """What the kit expected to see on the site or in the chat is not there: the message says
    what and shows what was there instead."""


@dataclass(frozen=True)
class SignIn:
    """A sign-in the browser started, as its page shows it."""

    token: str
    # The code the page shows, to pick in Telegram ("" where the site asks for no pick).
    code: str
    deep_link: str
    poll_url: str
    request_id: str
    page: str


def attribute(name: str, content: str, *, after: str = "") -> str:
    """The first `name="..."` in `content` (after the text `after`), unescaped; "" if none."""
    start = content.find(after) if after else 0
    match = re.compile(_ATTRIBUTE.format(name=re.escape(name))).search(content, max(start, 0))
    return html.unescape(match.group(1)) if match else ""


def widget_link(page: str) -> str:
    """The widget's Telegram link (the bot's, or the sandbox's chat)."""
    match = re.search(r'<a [^>]*data-testid="deep-link"[^>]*>', page)
    return attribute("href", match.group(0)) if match else ""


def visible_text(page: str) -> str:
    """A page's words as a person reads them, for the kit's error messages."""
    return " ".join(
        re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(script|style).*?</\1>", "", page)).split()
    )
