"""The login request state machine: every transition, and that racing callers never both win."""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone

from telegram_login import services, upkeep
from telegram_login.browser_session import SESSION_KEY, session_remember_request
from telegram_login.identity import TelegramUser
from telegram_login.models import LoginRequest, ProcessedUpdate
from telegram_login.selectors import login_request_for_session
from telegram_login.services import ClaimOutcome, DecisionOutcome
from telegram_login.tokens import new_token

Status = LoginRequest.Status

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _start(
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


def _telegram(user_id: int = 700001, **fields: Any) -> TelegramUser:
    return TelegramUser(id=user_id, first_name=fields.pop("first_name", "Tess"), **fields)


def _expire_clock(login_request: LoginRequest) -> None:
    """Move the request's deadline into the past, as if five minutes went by."""
    LoginRequest.objects.filter(pk=login_request.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def _claimed_with_token(
    user: TelegramUser | None = None,
) -> tuple[LoginRequest, TelegramUser, str]:
    user = user or _telegram()
    login_request, token = _start()
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.CLAIMED
    login_request.refresh_from_db()
    return login_request, user, token


def _claimed(user: TelegramUser | None = None) -> tuple[LoginRequest, TelegramUser]:
    login_request, user, _ = _claimed_with_token(user)
    return login_request, user


def _wrong_code(login_request: LoginRequest) -> str:
    return next(c for c in login_request.code_choices if c != login_request.match_code)


def _approved() -> LoginRequest:
    login_request, user = _claimed()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.APPROVED
    return result.login_request


# -- start ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_start_hands_out_a_43_char_url_safe_token_and_stores_only_its_sha256():
    login_request, token = _start()
    assert TOKEN_SHAPE.match(token)
    assert login_request.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = LoginRequest.objects.filter(pk=login_request.pk).values().get()
    assert all(token not in str(value) for value in stored.values())
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_each_start_gets_a_different_token():
    tokens = {_start()[1] for _ in range(20)}
    assert len(tokens) == 20


@pytest.mark.django_db
def test_request_lives_five_minutes_by_default(settings):
    del settings.TELEGRAM_LOGIN_TTL
    login_request, _ = _start()
    assert login_request.expires_at - login_request.created_at == timedelta(minutes=5)


@pytest.mark.django_db
def test_request_lifetime_follows_the_ttl_setting(settings):
    settings.TELEGRAM_LOGIN_TTL = 90
    login_request, _ = _start()
    assert login_request.expires_at - login_request.created_at == timedelta(seconds=90)


@pytest.mark.django_db
def test_start_offers_three_distinct_codes_with_the_match_code_among_them():
    for _ in range(30):
        login_request, _ = _start()
        choices = login_request.code_choices
        assert len(choices) == 3
        assert len(set(choices)) == 3
        assert login_request.match_code in choices
        assert all(len(code) == 2 and code.isdigit() for code in choices)


def test_the_match_code_is_not_always_in_the_same_position():
    positions = set()
    for _ in range(200):
        match, choices = services._new_codes()
        positions.add(choices.index(match))
    assert positions == {0, 1, 2}


@pytest.mark.django_db
def test_start_binds_the_request_to_the_session_with_its_state_id():
    session = SessionStore()
    login_request, _ = _start(session)
    assert session[SESSION_KEY] == {str(login_request.id): "state-1"}
    found = login_request_for_session(session=session, request_id=login_request.id)
    assert found == (login_request, "state-1")
    assert login_request_for_session(session=SessionStore(), request_id=login_request.id) is None


@pytest.mark.django_db
def test_session_forgets_the_oldest_requests_beyond_five():
    session = SessionStore()
    started = [_start(session)[0] for _ in range(7)]
    assert list(session[SESSION_KEY]) == [str(r.id) for r in started[-5:]]


@pytest.mark.django_db
def test_start_records_requester_details():
    login_request, _ = services.login_request_start(
        process=LoginRequest.Process.CONNECT,
        requester_ip="2001:db8::1",
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    )
    login_request.refresh_from_db()
    assert login_request.process == LoginRequest.Process.CONNECT
    assert login_request.requester_ip == "2001:db8::1"
    assert login_request.requester_browser == "Firefox 121"
    assert login_request.requester_os == "Linux"


# -- claim -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_first_telegram_user_to_send_the_token_claims_the_request():
    login_request, token = _start()
    user = _telegram(4242, last_name="Tester", username="tess")
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.CLAIMED
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED
    assert login_request.telegram_user_id == 4242
    assert login_request.telegram_user["username"] == "tess"
    assert login_request.telegram_user["last_name"] == "Tester"
    assert login_request.claimed_at is not None
    assert result.login_request == login_request


@pytest.mark.django_db
def test_sending_the_token_again_keeps_your_claim():
    login_request, token = _start()
    user = _telegram()
    services.login_request_claim(token=token, telegram_user=user)
    login_request.refresh_from_db()
    claimed_at = login_request.claimed_at

    again = services.login_request_claim(token=token, telegram_user=user)
    assert again.outcome == ClaimOutcome.ALREADY_CLAIMED_BY_YOU
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED
    assert login_request.claimed_at == claimed_at


@pytest.mark.django_db
def test_token_claimed_by_someone_else_is_used_and_the_claim_stays():
    login_request, token = _start()
    owner, other = _telegram(1), _telegram(2)
    services.login_request_claim(token=token, telegram_user=owner)
    result = services.login_request_claim(token=token, telegram_user=other)
    assert result.outcome == ClaimOutcome.USED
    login_request.refresh_from_db()
    assert login_request.telegram_user_id == owner.id


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["approve", "cancel"])
def test_token_of_a_decided_request_is_used_even_for_its_owner(decision):
    login_request, user, token = _claimed_with_token()
    code = login_request.match_code if decision == "approve" else None
    services.login_request_decide(request_id=login_request.pk, telegram_user_id=user.id, code=code)
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.USED


@pytest.mark.django_db
def test_well_formed_but_unknown_token_is_unknown():
    _start()
    result = services.login_request_claim(token=new_token(), telegram_user=_telegram())
    assert result == services.ClaimResult(ClaimOutcome.UNKNOWN)
    assert not LoginRequest.objects.exclude(status=Status.PENDING).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    ["", "short", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + " ", "A" * 42 + "é"],
    ids=["empty", "short", "42", "44", "padding", "space", "non-ascii"],
)
def test_malformed_token_is_unknown_without_touching_requests(token):
    login_request, _ = _start()
    # Even a malformed token whose hash matched a row must not claim it.
    LoginRequest.objects.filter(pk=login_request.pk).update(
        token_hash=hashlib.sha256(token.encode()).hexdigest()
    )
    result = services.login_request_claim(token=token, telegram_user=_telegram())
    assert result.outcome == ClaimOutcome.UNKNOWN
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_claim_after_the_deadline_expires_the_request():
    login_request, token = _start()
    _expire_clock(login_request)
    result = services.login_request_claim(token=token, telegram_user=_telegram())
    assert result.outcome == ClaimOutcome.EXPIRED
    login_request.refresh_from_db()
    assert login_request.status == Status.EXPIRED
    assert login_request.telegram_user_id is None
    assert login_request.decided_at is not None


@pytest.mark.django_db
def test_claim_of_an_already_expired_request_says_expired():
    login_request, token = _start()
    LoginRequest.objects.filter(pk=login_request.pk).update(status=Status.EXPIRED)
    result = services.login_request_claim(token=token, telegram_user=_telegram())
    assert result.outcome == ClaimOutcome.EXPIRED


@pytest.mark.django_db
def test_resending_the_token_after_the_deadline_expires_your_claim():
    login_request, token = _start()
    user = _telegram()
    services.login_request_claim(token=token, telegram_user=user)
    _expire_clock(login_request)
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.EXPIRED
    login_request.refresh_from_db()
    assert login_request.status == Status.EXPIRED


# -- decide ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_picking_the_match_code_approves():
    login_request, user = _claimed()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.APPROVED
    assert result.login_request.status == Status.APPROVED
    assert result.login_request.decided_at is not None
    assert result.login_request.deny_reason == ""


@pytest.mark.django_db
def test_picking_a_wrong_code_denies():
    login_request, user = _claimed()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=_wrong_code(login_request)
    )
    assert result.outcome == DecisionOutcome.WRONG_CODE
    assert result.login_request.status == Status.DENIED
    assert result.login_request.deny_reason == LoginRequest.DenyReason.WRONG_CODE


@pytest.mark.django_db
def test_a_code_that_was_never_offered_denies():
    login_request, user = _claimed()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code="9999"
    )
    assert result.outcome == DecisionOutcome.WRONG_CODE
    assert result.login_request.status == Status.DENIED


@pytest.mark.django_db
def test_cancel_denies():
    login_request, user = _claimed()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=None
    )
    assert result.outcome == DecisionOutcome.CANCELLED
    assert result.login_request.status == Status.DENIED
    assert result.login_request.deny_reason == LoginRequest.DenyReason.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["match", None], ids=["match-code", "cancel"])
def test_another_telegram_user_cannot_decide(code):
    login_request, _ = _claimed(_telegram(1))
    result = services.login_request_decide(
        request_id=login_request.pk,
        telegram_user_id=2,
        code=login_request.match_code if code else None,
    )
    assert result.outcome == DecisionOutcome.NOT_YOURS
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


@pytest.mark.django_db
def test_nobody_can_decide_a_request_that_was_never_claimed():
    login_request, _ = _start()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=1, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.NOT_YOURS
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_deciding_an_unknown_request_says_unknown():
    result = services.login_request_decide(request_id=uuid.uuid4(), telegram_user_id=1, code="12")
    assert result == services.DecisionResult(DecisionOutcome.UNKNOWN)


@pytest.mark.django_db
def test_approving_after_the_deadline_expires_instead():
    login_request, user = _claimed()
    _expire_clock(login_request)
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.EXPIRED
    login_request.refresh_from_db()
    assert login_request.status == Status.EXPIRED


@pytest.mark.django_db
def test_pressing_a_button_of_an_expired_request_says_expired():
    login_request, user = _claimed()
    LoginRequest.objects.filter(pk=login_request.pk).update(status=Status.EXPIRED)
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.EXPIRED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [("match", "match"), ("match", None), ("match", "wrong"), (None, "match"), ("wrong", "match")],
)
def test_a_decided_request_cannot_be_decided_again(first, second):
    login_request, user = _claimed()
    codes = {"match": login_request.match_code, "wrong": _wrong_code(login_request), None: None}
    services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=codes[first]
    )
    login_request.refresh_from_db()
    before = (login_request.status, login_request.deny_reason, login_request.decided_at)

    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=codes[second]
    )
    assert result.outcome == DecisionOutcome.ALREADY_DECIDED
    login_request.refresh_from_db()
    assert (login_request.status, login_request.deny_reason, login_request.decided_at) == before


# -- expire, complete, fail ------------------------------------------------------------------


@pytest.mark.django_db
def test_expire_if_due_leaves_a_request_with_time_left_alone():
    login_request, _ = _start()
    assert services.login_request_expire_if_due(login_request=login_request) is False
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_expire_if_due_expires_once():
    login_request, _ = _start()
    _expire_clock(login_request)
    login_request.refresh_from_db()
    stale_copy = LoginRequest.objects.get(pk=login_request.pk)
    assert services.login_request_expire_if_due(login_request=login_request) is True
    assert login_request.status == Status.EXPIRED
    assert services.login_request_expire_if_due(login_request=stale_copy) is False


@pytest.mark.django_db
def test_expire_if_due_never_expires_an_approved_request():
    login_request = _approved()
    _expire_clock(login_request)
    login_request.refresh_from_db()
    assert services.login_request_expire_if_due(login_request=login_request) is False
    login_request.refresh_from_db()
    assert login_request.status == Status.APPROVED


@pytest.mark.django_db
def test_an_approved_request_is_taken_for_completion_only_once():
    login_request = _approved()
    other_copy = LoginRequest.objects.get(pk=login_request.pk)
    assert services.login_request_take_for_completion(login_request=login_request) is True
    assert login_request.status == Status.COMPLETED
    assert services.login_request_take_for_completion(login_request=other_copy) is False
    assert other_copy.status == Status.APPROVED  # the loser's copy is not touched
    login_request.refresh_from_db()
    assert login_request.status == Status.COMPLETED
    assert login_request.completed_at is not None


@pytest.mark.django_db
def test_a_request_that_is_not_approved_cannot_be_taken_for_completion():
    login_request, _ = _claimed()
    assert services.login_request_take_for_completion(login_request=login_request) is False
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


@pytest.mark.django_db
def test_failed_completion_records_the_request_as_denied():
    login_request = _approved()
    services.login_request_take_for_completion(login_request=login_request)
    services.login_request_fail(login_request=login_request)
    assert login_request.status == Status.DENIED
    login_request.refresh_from_db()
    assert login_request.status == Status.DENIED
    assert login_request.deny_reason == LoginRequest.DenyReason.FAILED


@pytest.mark.django_db
def test_fail_does_nothing_to_a_request_that_was_not_taken():
    login_request = _approved()
    services.login_request_fail(login_request=login_request)
    login_request.refresh_from_db()
    assert login_request.status == Status.APPROVED
    assert login_request.deny_reason == ""


# -- _transition -----------------------------------------------------------------------------

ILLEGAL_MOVES = [
    (old, new)
    for old in Status.values
    for new in Status.values
    if new not in services.TRANSITIONS[old]
]


def test_every_status_has_its_moves_listed():
    assert set(services.TRANSITIONS) == set(Status.values)


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), ILLEGAL_MOVES)
def test_transition_refuses_an_illegal_move(old, new):
    login_request, _ = _start()
    LoginRequest.objects.filter(pk=login_request.pk).update(status=old)
    with pytest.raises(ValueError, match=f"cannot go from {old} to {new}"):
        services._transition(request_id=login_request.pk, old={old}, new=new)
    login_request.refresh_from_db()
    assert login_request.status == old


@pytest.mark.django_db
def test_transition_refuses_when_any_of_the_old_states_cannot_make_the_move():
    login_request, _ = _start()
    with pytest.raises(ValueError, match="approved"):
        services._transition(
            request_id=login_request.pk, old={Status.PENDING, Status.APPROVED}, new=Status.DENIED
        )
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_transition_only_moves_a_request_that_is_in_the_old_state():
    login_request, _ = _start()
    assert not services._transition(
        request_id=login_request.pk, old={Status.CLAIMED}, new=Status.APPROVED
    )
    assert services._transition(
        request_id=login_request.pk, old={Status.PENDING}, new=Status.CLAIMED
    )
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


@pytest.mark.django_db
def test_live_only_transition_skips_a_request_past_its_deadline():
    login_request, _ = _claimed()
    _expire_clock(login_request)
    assert not services._transition(
        request_id=login_request.pk, old={Status.CLAIMED}, new=Status.APPROVED, live_only=True
    )
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


# -- processed updates -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_update_id_is_processed_only_once():
    assert upkeep.update_mark_processed(update_id=1001) is True
    assert upkeep.update_mark_processed(update_id=1001) is False
    assert upkeep.update_mark_processed(update_id=1002) is True
    assert ProcessedUpdate.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_update_id_does_not_break_the_surrounding_transaction():
    from django.db import transaction

    with transaction.atomic():
        upkeep.update_mark_processed(update_id=5)
        assert upkeep.update_mark_processed(update_id=5) is False
        # The savepoint kept the outer transaction usable.
        assert ProcessedUpdate.objects.filter(update_id=5).exists()


# -- races on a real database ------------------------------------------------------------------


def _race(workers: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(i)` in `workers` threads released together; return results in order."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = action(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_ten_polls_racing_on_an_approved_request_complete_it_once():
    login_request = _approved()

    def take(_: int) -> bool:
        copy = LoginRequest.objects.get(pk=login_request.pk)
        return services.login_request_take_for_completion(login_request=copy)

    results = _race(10, take)
    assert results.count(True) == 1
    assert results.count(False) == 9
    login_request.refresh_from_db()
    assert login_request.status == Status.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_ten_telegram_users_racing_for_one_token_leave_one_owner():
    login_request, token = _start()

    def claim(index: int) -> ClaimOutcome:
        user = _telegram(800000 + index)
        return services.login_request_claim(token=token, telegram_user=user).outcome

    outcomes = _race(10, claim)
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert outcomes.count(ClaimOutcome.USED) == 9
    winner = 800000 + outcomes.index(ClaimOutcome.CLAIMED)
    login_request.refresh_from_db()
    assert login_request.telegram_user_id == winner


@pytest.mark.django_db(transaction=True)
def test_code_and_cancel_pressed_at_once_decide_once():
    login_request, user = _claimed()
    codes = [login_request.match_code if i % 2 else None for i in range(10)]

    def decide(index: int) -> DecisionOutcome:
        return services.login_request_decide(
            request_id=login_request.pk, telegram_user_id=user.id, code=codes[index]
        ).outcome

    outcomes = _race(10, decide)
    winners = [o for o in outcomes if o != DecisionOutcome.ALREADY_DECIDED]
    assert len(winners) == 1
    login_request.refresh_from_db()
    expected = Status.APPROVED if winners[0] == DecisionOutcome.APPROVED else Status.DENIED
    assert login_request.status == expected
