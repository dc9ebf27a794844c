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
    # The site's name as the browser that asked was shown it (site.py), for the messages written
    # with no request at hand (the prompt's edits, sent by the queue); empty in older rows.
    site_name = models.CharField(max_length=255, blank=True)
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


class UsedInitData(models.Model):
    """A Mini App's `initData` that signed a browser in (by its `hash`): each is used once."""

    hash = models.CharField(max_length=64, primary_key=True)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("used Mini App sign-in")

    def __str__(self) -> str:
        return self.hash


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
    # What the prompt's buttons act on: the browser that signed in (alerts.py).
    notice = models.OneToOneField(
        "SecurityNotice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("session opened by a Telegram sign-in")

    def __str__(self) -> str:
        return f"{self.login_request_id} -> {self.user_session_id}"


class SecurityNotice(models.Model):
    """Something the linked Telegram was told about the account: a sign-in, or a change made in
    a browser (a new password, an email address added, ...). Its buttons act on it: "Not me"
    signs out the browser it was about, wherever that browser's session went since, and undoes
    the change where it can; "Sign out everywhere" ends every session of the account. Only the
    Telegram user it was sent to may press them, linked or not since (notices.py)."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign-in")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_SET = "password_set", _("Password set")
        EMAIL_ADDED = "email_added", _("Email address added")
        EMAIL_REMOVED = "email_removed", _("Email address removed")
        EMAIL_PRIMARY = "email_primary", _("Primary email address changed")
        MFA_REMOVED = "mfa_removed", _("Two-factor authentication turned off")
        MFA_ADDED = "mfa_added", _("Two-factor authentication turned on")
        PASSWORD_RESET = "password_reset", _("Password reset by email")
        SOCIAL_ADDED = "social_added", _("Another way to sign in connected")
        ALERTS_OFF = "alerts_off", _("Sign-in alerts turned off")
        TELEGRAM_REMOVAL = "telegram_removal", _("Removal of Telegram requested")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Who was told, and the only one whose presses count.
    telegram_user_id = models.BigIntegerField()
    # The browser it was about (browsers.py), and allauth's session record at the time.
    browser = models.CharField(max_length=64, blank=True)
    user_session_id = models.BigIntegerField(null=True, blank=True)
    # Known browser and OS families only (useragent.py), never the raw header.
    browser_name = models.CharField(max_length=64, blank=True)
    os_name = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # What "Not me" puts back (account_changes.py).
    undo = models.JSONField(default=dict, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("security notice")

    def __str__(self) -> str:
        return f"{self.kind} of {self.user_id} to {self.telegram_user_id}"


class BrowserRevocation(models.Model):
    """A browser signed out from Telegram ("Not me"), or, with `browser` empty, every browser
    ("Sign out everywhere"): any session of the account that signed in there before
    `revoked_at` is signed out on its next request, whatever its session key is now
    (browsers.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    browser = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signed-out browser")
        indexes = [models.Index(fields=["user", "browser"], name="tl_revoked_user_browser")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.browser or 'everywhere'} at {self.revoked_at}"


class TelegramRemoval(models.Model):
    """The owner lost their Telegram account: its removal, asked for with the password and
    confirmed from a verified email address, happens only after a wait that the bot announces
    to that Telegram, which can stop it (recovery.py)."""

    class Status(models.TextChoices):
        EMAIL_SENT = "email_sent", _("Waiting for the email link")
        WAITING = "waiting", _("Waiting period")
        STOPPED = "stopped", _("Stopped in Telegram")
        DONE = "done", _("Telegram removed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    telegram_user_id = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.EMAIL_SENT)
    email = models.EmailField()
    browser = models.CharField(max_length=64, blank=True)
    browser_name = models.CharField(max_length=64, blank=True)
    os_name = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("removal of a lost Telegram")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.status})"

    @property
    def due(self) -> bool:
        """The wait is over: the browser may remove the Telegram now."""
        return (
            self.status == self.Status.WAITING
            and self.effective_at is not None
            and self.effective_at <= timezone.now()
        )
