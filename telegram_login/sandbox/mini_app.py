"""The sandbox opens the site as the bot's Mini App, as Telegram's clients do: the page's URL with
`tgWebAppData` in its fragment, initData for the Telegram user the sandbox plays, signed with
the sandbox bot's token (the hash only: Telegram's Ed25519 signature needs Telegram's key).

For QA, `?data=` plays what the site must refuse: `forged` (signed with another token) and
`stale` (made an hour ago); opening the same link twice replays its data."""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import quote, urlencode, urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from telegram_login.conf import get_settings
from telegram_login.mini_app.init_data import sign
from telegram_login.sandbox.views import sandbox_only, sandbox_user

# What a Telegram client says of itself beside the data.
CLIENT_PARAMS = "tgWebAppVersion=9.0&tgWebAppPlatform=web"
# Another bot's token, for data the site must refuse as not made for its bot.
OTHER_BOT_TOKEN = "999999:not-this-bots-token"  # noqa: S105


def init_data_for(user: dict[str, object], *, bot_token: str, auth_date: int) -> str:
    """initData as a Telegram client gets it for `user` from this bot."""
    fields = {
        "auth_date": str(auth_date),
        "query_id": secrets.token_urlsafe(12),
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
    }
    fields["hash"] = sign(fields, bot_token)
    return urlencode(fields, quote_via=quote)


@sandbox_only
@require_GET
def open_mini_app(request: HttpRequest) -> HttpResponse:
    """The site's page `path` (or the path of `url`, a web-app button's; by default the deep
    link's sign-in page, where the widget is on any site) as the bot's Mini App."""
    # `url`: a web-app button's address (the bot's messages); its path on this site is opened.
    path = request.GET.get("path") or urlsplit(request.GET.get("url", "")).path
    path = path or reverse("telegram_login_start")
    if not path.startswith("/") or not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        path = reverse("telegram_login_start")
    user = sandbox_user(request)
    if user is None:
        # Who is on Telegram first; then back here.
        return redirect(reverse("telegram_login_sandbox"))
    token, auth_date = get_settings().bot_token, int(time.time())
    played = request.GET.get("data", "")
    if played == "forged":
        token = OTHER_BOT_TOKEN
    elif played == "stale":
        auth_date -= 3600
    data = init_data_for(user, bot_token=token, auth_date=auth_date)
    return redirect(f"{path}#tgWebAppData={quote(data, safe='')}&{CLIENT_PARAMS}")
