"""The requesting browser and OS for the bot's consent prompt, from known families only.

The User-Agent header is written by whoever sends the request, so the prompt never repeats its
text: ua-parser's family names are kept only when they are on the lists below, with a numeric
major version, and anything else reads as "an unknown browser" (a crawler-like header such as
"Telegram Login Verified Device - safe to confirm" would otherwise be quoted to the victim).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ua_parser import parse

MAX_USER_AGENT_LENGTH = 512
VERSION_RE = re.compile(r"^[0-9]{1,4}$")

# ua-parser family -> the name the prompt shows.
KNOWN_BROWSERS: dict[str, str] = {
    name: name
    for name in (
        "Chrome",
        "Chrome Mobile",
        "Chrome Mobile iOS",
        "Chrome Mobile WebView",
        "Chromium",
        "HeadlessChrome",
        "Firefox",
        "Firefox Mobile",
        "Firefox iOS",
        "Safari",
        "Mobile Safari",
        "Edge",
        "Edge Mobile",
        "Opera",
        "Opera Mobile",
        "Opera Mini",
        "Samsung Internet",
        "Yandex Browser",
        "Vivaldi",
        "Brave",
        "UC Browser",
        "DuckDuckGo Mobile",
        "MiuiBrowser",
        "Huawei Browser",
        "Whale",
        "IE",
    )
} | {"Mobile Safari UI/WKWebView": "Safari (in an app)", "IE Mobile": "IE"}

KNOWN_SYSTEMS: dict[str, str] = {
    name: name
    for name in (
        "Windows",
        "iOS",
        "iPadOS",
        "Android",
        "Linux",
        "Ubuntu",
        "Debian",
        "Fedora",
        "FreeBSD",
        "OpenBSD",
        "HarmonyOS",
        "KaiOS",
        "Tizen",
        "Windows Phone",
    )
} | {"Mac OS X": "macOS", "macOS": "macOS", "Chrome OS": "ChromeOS", "ChromeOS": "ChromeOS"}


@dataclass(frozen=True)
class Device:
    """ "Chrome 120" and "Windows 10"; empty strings where the header named nothing we know."""

    browser: str = ""
    os: str = ""


def _name(family: str | None, major: str | None, known: dict[str, str]) -> str:
    if not family or family not in known:
        return ""
    if major and VERSION_RE.match(major):
        return f"{known[family]} {major}"
    return known[family]


@lru_cache(maxsize=1024)
def describe_user_agent(user_agent: str) -> Device:
    result = parse(user_agent[:MAX_USER_AGENT_LENGTH])
    browser = result.user_agent
    system = result.os
    return Device(
        browser=_name(browser.family, browser.major, KNOWN_BROWSERS) if browser else "",
        os=_name(system.family, system.major, KNOWN_SYSTEMS) if system else "",
    )
