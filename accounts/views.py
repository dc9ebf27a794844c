"""Site pages outside the sign-in flow."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import profile_for_user, telegram_profile_for_user


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    telegram = None
    if request.user.is_authenticated:
        telegram = telegram_profile_for_user(user=request.user)
    return render(request, "home.html", {"telegram": telegram})


@login_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", profile_for_user(user=request.user))
