"""The Django admin: staff can read sign-in requests, users and social accounts."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.utils import timezone

from telegram_login.models import LoginRequest

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def login_request() -> LoginRequest:
    return LoginRequest.objects.create(
        token_hash="0" * 64,
        process="login",
        match_code="42",
        expires_at=timezone.now() + timedelta(minutes=5),
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/telegram_login/loginrequest/",
        "/admin/telegram_login/loginrequest/?status__exact=pending",
        "/admin/socialaccount/socialaccount/",
    ],
)
def test_admin_changelists_render_for_a_superuser(admin_browser, login_request, url):
    user = User.objects.create_user(username="listed")
    SocialAccount.objects.create(user=user, provider="telegram_login", uid="31337")
    response = admin_browser.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count >= 1


def test_login_requests_can_be_filtered_by_state(admin_browser, login_request):
    content = admin_browser.get("/admin/telegram_login/loginrequest/").content.decode()
    assert "?status__exact=pending" in content
    denied = admin_browser.get("/admin/telegram_login/loginrequest/?status__exact=denied")
    assert denied.context["cl"].result_count == 0


def test_a_login_request_cannot_be_added_in_the_admin(admin_browser):
    assert admin_browser.get("/admin/telegram_login/loginrequest/add/").status_code == (
        HTTPStatus.FORBIDDEN
    )
    response = admin_browser.post("/admin/telegram_login/loginrequest/add/", {"status": "approved"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not LoginRequest.objects.exists()


def test_a_login_request_is_read_only_in_the_admin(admin_browser, login_request):
    url = f"/admin/telegram_login/loginrequest/{login_request.pk}/change/"
    page = admin_browser.get(url)
    assert page.status_code == HTTPStatus.OK
    content = page.content.decode()
    assert 'name="_save"' not in content
    assert 'name="status"' not in content
    assert login_request.token_hash not in content

    response = admin_browser.post(url, {"status": "approved", "match_code": "99"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    login_request.refresh_from_db()
    assert (login_request.status, login_request.match_code) == ("pending", "42")
