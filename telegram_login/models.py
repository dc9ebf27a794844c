"""Sign-in requests that wait for a Telegram user, and the update ids already handled."""

from __future__ import annotations

import uuid

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
        LOGIN = "login", _("Sign in")
        CONNECT = "connect", _("Connect")

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
    match_code = models.CharField(max_length=4)
    code_choices = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    site_domain = models.CharField(max_length=255, blank=True)
    requester_ip = models.GenericIPAddressField(null=True, blank=True)
    requester_agent = models.CharField(max_length=200, blank=True)
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

    def has_timed_out(self, now: timezone.datetime | None = None) -> bool:
        return self.is_live and (now or timezone.now()) >= self.expires_at


class ProcessedUpdate(models.Model):
    """A Telegram update_id already handled; Telegram re-sends updates it thinks were lost."""

    update_id = models.BigIntegerField(primary_key=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("processed update")

    def __str__(self) -> str:
        return str(self.update_id)
