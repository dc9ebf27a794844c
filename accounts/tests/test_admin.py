"""The Django admin of the site's own user model (the app's models: telegram_login's tests)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.mark.parametrize("url", ["/admin/accounts/user/"])
def test_admin_changelists_render_for_a_superuser(admin_browser, login_request, url):
    user = User.objects.create_user(username="listed")
    SocialAccount.objects.create(user=user, provider="telegram_login", uid="31337")
    response = admin_browser.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count >= 1
