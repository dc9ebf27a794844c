"""The Mini App's sign-in: the widget's script (telegram-login.js) finds Telegram's `initData`
in a page opened as the bot's Mini App and posts it here when the person presses "Continue as
<first name>"; checked (init_data.py) and used once, it signs the webview in through allauth as
that Telegram user, into the same account as the deep link and Telegram's login page.

A refusal goes back to the sign-in page with its reason in words, where the ordinary widget is
(and the script offers the same data no more)."""

from __future__ import annotations

import logging

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from telegram_login import limits
from telegram_login.conf import get_settings
from telegram_login.identity import MINI_APP_WAY, PROVIDER_ID
from telegram_login.mini_app.init_data import InitDataRefused, Refusal, check
from telegram_login.models import UsedInitData

logger = logging.getLogger(__name__)

# What the person reads on the sign-in page, for each refusal.
REFUSALS = {
    Refusal.MALFORMED: _("Telegram's sign-in data was incomplete. Sign in below instead."),
    Refusal.FORGED: _(
        "This sign-in did not come from Telegram for this site's bot, so it was refused. "
        "Sign in below instead."
    ),
    Refusal.WRONG_BOT: _(
        "This sign-in was made for another bot, so it was refused. Sign in below instead."
    ),
    Refusal.EXPIRED: _(
        "This sign-in from Telegram is too old. Close the Mini App, open it again, or sign in "
        "below."
    ),
    Refusal.REPLAYED: _(
        "This sign-in from Telegram was already used. Close the Mini App and open it again, or "
        "sign in below."
    ),
    Refusal.NO_BOT: _("Signing in from Telegram's Mini App is not set up on this site."),
}
SLOW_DOWN = _("Too many sign-in attempts. Wait a minute, then try again.")
# On the sign-in page after a refusal, which it names: the widget says why, and the script does
# not offer the same data again.
REFUSED_PARAM = "telegram_mini_app"
SLOW_DOWN_PARAM = "slow_down"


def _back(request: HttpRequest, next_url: str, why: str) -> HttpResponse:
    """Back to the page the one tap was on (else the deep link's sign-in page), whose widget
    says why (`mini_app_refusal`) above the ordinary sign-in."""
    back = request.POST.get("back", "")
    if not (back.startswith("/") and get_account_adapter(request).is_safe_url(back)):
        back = reverse("telegram_login_start")
    query = {REFUSED_PARAM: why, **({"next": next_url} if next_url else {})}
    return redirect(f"{back}?{urlencode(query)}")


def mini_app_refusal(request: HttpRequest) -> str:
    """What the widget says on the sign-in page a refusal led back to ("" elsewhere)."""
    why = request.GET.get(REFUSED_PARAM, "")
    if why == SLOW_DOWN_PARAM:
        return str(SLOW_DOWN)
    return str(REFUSALS[Refusal(why)]) if why in set(Refusal) else ""


def _use_once(data_hash: str) -> None:
    try:
        with transaction.atomic():
            UsedInitData.objects.create(hash=data_hash)
    except IntegrityError:
        raise InitDataRefused(Refusal.REPLAYED) from None


@login_not_required
@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if not get_account_adapter(request).is_safe_url(next_url):
        next_url = ""
    if not limits.consume(limits.START, ip=get_account_adapter().get_client_ip(request)):
        return _back(request, next_url, SLOW_DOWN_PARAM)
    conf = get_settings()
    try:
        data = check(
            request.POST.get("init_data", ""),
            bot_token=conf.bot_token,
            max_age=conf.mini_app_max_age,
        )
        _use_once(data.hash)
    except InitDataRefused as refused:
        logger.info("Mini App sign-in refused: %s", refused.refusal)
        return _back(request, next_url, refused.refusal.value)
    provider = get_adapter().get_provider(request, PROVIDER_ID)
    sociallogin = provider.sociallogin_from_response(request, data.user)
    sociallogin.state = {"process": "login", "next": next_url, "way": MINI_APP_WAY}
    with transaction.atomic():
        return complete_social_login(request, sociallogin)
