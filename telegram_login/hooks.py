"""Where an app of the site plugs in a stand-in for Telegram (development and QA): while it plays,
the settings take the bot and the login client it plays, and the sign-in link and the issuer's
address lead to it. The runtime imports no such app; the app calls plug_in_stand_in() from its
own ready(), and its transports go through the clients' session hooks (messaging/client.py,
oidc/issuer.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class PlayedTelegram:
    """What a stand-in plays in place of the settings the site left empty: a bot (its API is
    reached at `api_base_url`) and a client of Telegram's login page."""

    bot_token: str
    bot_username: str
    webhook_secret: str
    api_base_url: str
    oidc_client_id: str
    oidc_client_secret: str


@dataclass(frozen=True)
class StandIn:
    """A stand-in for Telegram. `plays` is asked only where the site configured no real bot and
    no real Telegram login (it never plays next to them), and says what it plays, or None while
    it is off; `deep_link` is the sign-in link for a token, `issuer_url` the issuer of the login
    page it plays, for a request to this site."""

    plays: Callable[[], PlayedTelegram | None]
    deep_link: Callable[[str], str]
    issuer_url: Callable[[HttpRequest], str]


_stand_in: StandIn | None = None


def plug_in_stand_in(stand_in: StandIn | None) -> None:
    """Plug a stand-in in (None takes it out). conf.get_settings() reads the settings again."""
    global _stand_in
    _stand_in = stand_in


def plugged_stand_in() -> StandIn | None:
    return _stand_in
