"""The one guard of linking Telegram to the signed-in account, for both ways in (the deep link
and Telegram's login page): once before the trip to Telegram, and again, locked, on the way back.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from telegram_login.linking import rules
from telegram_login.linking.reauthentication import reauthentication_due
from telegram_login.linking.rules import ConnectRefusal


def connect_refusal_at_start(request: HttpRequest) -> ConnectRefusal | None:
    """Why the account cannot link a Telegram now: the linking rules, then the password's age
    (PROOF_LAPSED: ask for the password before anything happens in Telegram, not after)."""
    refusal = rules.connect_refusal(user=request.user)
    if refusal is None and reauthentication_due(request):
        return ConnectRefusal.PROOF_LAPSED
    return refusal


def connect_refusal_at_finish(request: HttpRequest) -> ConnectRefusal | None:
    """The same once Telegram answered, inside the transaction that links: the account's row
    stays locked until it ends, so two tabs cannot link two Telegram accounts. A password checked
    before the trip but too long ago now ends the link: allauth would ask again and finish it
    later, past these checks."""
    user_pk = request.user.pk
    assert user_pk is not None, "a connect is finished only in a signed-in browser"
    get_user_model().objects.select_for_update().filter(pk=user_pk).first()
    return connect_refusal_at_start(request)
