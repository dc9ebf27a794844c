"""Sign-in requests that wait for a Telegram user, and the update ids already handled."""

from __future__ import annotations

import uuid
from datetime import datetime

from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginRequest(models.Model):
    """One attempt to sign in (or connect) with Telegram, started by one browser session.

    Only services.py changes `status`, each time with one conditional UPDATE.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for Telegram")
        CLAIMED = "claimed", _("Waiting for confirmation")
        APPROVED = "approved", _("Confirmed in Telegram")
        COMPLETED = "completed", _("Signed in")
        DENIED = "denied", _("Denied")
        EXPIRED = "expired", _("Expired")

    class Process(models.TextChoices):
        # allauth's own processes, and one of this app's: a confirmation in the linked Telegram.
        LOGIN = AuthProcess.LOGIN, _("Sign in")
        CONNECT = AuthProcess.CONNECT, _("Connect")
        # A fresh proof in the linked Telegram before a sensitive change to the account.
        REAUTHENTICATE = "reauthenticate", _("Confirm it is you")

    class DenyReason(models.TextChoices):
        CANCELLED = "cancelled", _("Cancelled in Telegram")
        WRONG_CODE = "wrong_code", _("Wrong code chosen")
        FAILED = "failed", _("Could not be completed")
        BOT_BLOCKED = "bot_blocked", _("The Telegram user has blocked the bot")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SHA-256 of the deep-link token; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    deny_reason = models.CharField(max_length=16, choices=DenyReason.choices, blank=True)
    process = models.CharField(max_length=16, choices=Process.choices, default=Process.LOGIN)
    # The code the browser shows (match_code mode), or the one the bot shows and the person types
    # into the browser (browser_code mode; then `code_attempts` counts the wrong ones).
    match_code = models.CharField(max_length=8)
    code_choices = models.JSONField(default=list)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # The site account being linked (connect) or proven (reauthenticate); empty for a sign-in.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What a reauthentication is for, as the bot names it (see bot/messages.py).
    purpose = models.CharField(max_length=32, blank=True)
    requester_ip = models.GenericIPAddressField(null=True, blank=True)
    # Known browser and OS families only (useragent.py), never the raw header.
    requester_browser = models.CharField(max_length=64, blank=True)
    requester_os = models.CharField(max_length=64, blank=True)
    telegram_user_id = models.BigIntegerField(null=True, blank=True)
    telegram_user = models.JSONField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login request")
        verbose_name_plural = _("login requests")
        indexes = [models.Index(fields=["status", "expires_at"], name="tl_status_expires")]

    def __str__(self) -> str:
        return f"{self.get_process_display()} {self.id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.CLAIMED}

    @property
    def is_terminal(self) -> bool:
        return self.status in {self.Status.COMPLETED, self.Status.DENIED, self.Status.EXPIRED}

    def has_timed_out(self, now: datetime | None = None) -> bool:
        return self.is_live and (now or timezone.now()) >= self.expires_at


class BotPrompt(models.Model):
    """A consent prompt the bot sent for a request, so it can be edited to how the request ended
    (and lose its buttons) instead of staying live in the chat."""

    login_request = models.ForeignKey(
        LoginRequest, on_delete=models.CASCADE, related_name="prompts"
    )
    chat_id = models.BigIntegerField()
    message_id = models.BigIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bot prompt")

    def __str__(self) -> str:
        return f"{self.chat_id}/{self.message_id}"


class ProcessedUpdate(models.Model):
    """A Telegram update_id already handled; Telegram re-sends updates it thinks were lost."""

    update_id = models.BigIntegerField(primary_key=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("processed update")

    def __str__(self) -> str:
        return str(self.update_id)


class AlertPreference(models.Model):
    """Whether the account's linked Telegram hears of every new sign-in (alerts.py). Without a
    row the alerts are on: an account turns them off, never on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    sign_in_alerts = models.BooleanField(_("sign-in alerts in Telegram"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert preference")

    def __str__(self) -> str:
        return f"{self.user_id}: {'on' if self.sign_in_alerts else 'off'}"


class SignInSession(models.Model):
    """The browser session a sign-in through Telegram opened. The request's consent prompt is
    edited to say so, with a button that ends exactly this session (bot/prompts.py)."""

    login_request = models.OneToOneField(
        LoginRequest,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="signed_in_session",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # allauth.usersessions' UserSession; that app is optional, so the id, not a foreign key.
    user_session_id = models.BigIntegerField()
    signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session opened by a Telegram sign-in")

    def __str__(self) -> str:
        return f"{self.login_request_id} -> {self.user_session_id}"
