"""Login requests brought to each state through the services, for the state machine's tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from telegram_login.identity import TelegramUser
from telegram_login.models import LoginRequest
from telegram_login.poll.browser_session import session_remember_request
from telegram_login.signin import services
from telegram_login.signin.machine import ClaimOutcome, DecisionOutcome
from telegram_login.tests.helpers import set_deadline


def start_request(
    session: SessionStore | None = None, *, process: str = LoginRequest.Process.LOGIN
) -> tuple[LoginRequest, str]:
    login_request, token = services.login_request_start(
        process=process, requester_ip="203.0.113.5", user_agent=""
    )
    if session is not None:
        session_remember_request(
            session=session, request_id=login_request.id, state_id="state-1", keep=5
        )
    return login_request, token


def telegram_person(user_id: int = 700001, **fields: Any) -> TelegramUser:
    return TelegramUser(id=user_id, first_name=fields.pop("first_name", "Tess"), **fields)


def expire_clock(login_request: LoginRequest) -> None:
    """Move the request's deadline into the past, as if five minutes went by (its status
    mirror entry, which would have ended with the old deadline, goes too)."""
    set_deadline(login_request, timezone.now() - timedelta(seconds=1))


def claimed_with_token(
    user: TelegramUser | None = None,
) -> tuple[LoginRequest, TelegramUser, str]:
    user = user or telegram_person()
    login_request, token = start_request()
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.CLAIMED
    login_request.refresh_from_db()
    return login_request, user, token


def claimed_request(user: TelegramUser | None = None) -> tuple[LoginRequest, TelegramUser]:
    login_request, user, _ = claimed_with_token(user)
    return login_request, user


def wrong_code(login_request: LoginRequest) -> str:
    return next(c for c in login_request.code_choices if c != login_request.match_code)


def approved_request() -> LoginRequest:
    login_request, user = claimed_request()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.APPROVED
    return result.login_request
