"""A short "browser on OS" summary of a User-Agent header for the bot's confirmation message."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

MAX_USER_AGENT_LENGTH = 512


@lru_cache(maxsize=1024)
def summarize_user_agent(user_agent: str) -> str:
    """Return e.g. "Chrome 120 on Windows 10"; "" when the header says nothing useful."""
    result = parse(user_agent[:MAX_USER_AGENT_LENGTH])
    browser = result.user_agent
    os = result.os
    parts: list[str] = []
    if browser and browser.family != "Other":
        parts.append(f"{browser.family} {browser.major}" if browser.major else browser.family)
    if os and os.family != "Other":
        os_name = f"{os.family} {os.major}" if os.major else os.family
        parts.append(f"on {os_name}" if parts else os_name)
    return " ".join(parts)[:200]
