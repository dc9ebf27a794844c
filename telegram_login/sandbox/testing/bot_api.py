"""The fake Bot API a test talks to: the sandbox's own where the sandbox plays Telegram, else one
behind `responses` at the site's configured bot (its API address and token), for a site whose
tests configure a real bot token. Either checks every call against the published Bot API and
refuses one that does not match it, as Telegram would (400)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from telegram_login.conf import get_settings
from telegram_login.sandbox import fake_api
from telegram_login.sandbox.fake_api import FakeBotApi


@contextmanager
def fake_bot_api() -> Iterator[FakeBotApi]:
    """A fresh fake Bot API for the site's bot, for the time of the block."""
    conf = get_settings()
    if conf.played:
        yield fake_api.reset_fake_bot_api()
        fake_api.reset_fake_bot_api()
        return
    if not conf.bot_token:
        raise RuntimeError(
            "The Telegram test kit needs a bot: configure TELEGRAM_LOGIN_BOT_TOKEN (and its "
            "username and webhook secret) in the test settings, or turn the sandbox on there "
            "(TELEGRAM_SANDBOX = True, with telegram_login.sandbox installed)."
        )
    import responses

    api = FakeBotApi(bot_username=conf.bot_username)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        method = request.url.rsplit("/", 1)[-1]
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            return 400, {}, json.dumps(fake_api.api_error(400, "Bad Request: not a JSON object"))
        status, body = api.handle(method, params)
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # A live server and any other local address the test talks to go through.
        mock.add_passthru(re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\])[:/]"))
        mock.add_callback(
            responses.POST,
            re.compile(re.escape(f"{conf.api_base_url}/bot{conf.bot_token}/") + r"\w+"),
            callback=answer,
        )
        yield api
