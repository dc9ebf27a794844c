"""What `make run` prints before the development server: where to go, the sandbox, the mail."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


def _banner(url: str = "http://127.0.0.1:8000") -> str:
    out = StringIO()
    call_command("banner", url, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("sandbox_issuer")
def test_make_run_says_where_to_go_that_the_sandbox_plays_telegram_and_where_mails_go(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    banner = _banner("http://0.0.0.0:8001/")
    assert "http://0.0.0.0:8001/accounts/login/" in banner
    assert "http://0.0.0.0:8001/telegram/sandbox/" in banner
    assert "printed in this terminal" in banner
    assert "PORT=" in banner


def test_with_a_real_bot_and_real_mail_the_banner_names_neither_sandbox_nor_terminal(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    banner = _banner()
    assert "http://127.0.0.1:8000/accounts/login/" in banner
    assert "sandbox" not in banner
    assert "terminal" not in banner
