"""A log filter that keeps secrets out of log output, whatever logged them."""

from __future__ import annotations

import logging
import re

# Deep-link tokens (43 URL-safe characters) and bot tokens (<digits>:<35 URL-safe characters>).
SECRET_PATTERNS = [
    re.compile(r"\d{3,}:[A-Za-z0-9_-]{10,}"),
    re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"),
]


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from django.conf import settings

        message = record.getMessage()
        redacted = message
        for secret in (
            getattr(settings, "TELEGRAM_LOGIN_BOT_TOKEN", ""),
            getattr(settings, "TELEGRAM_LOGIN_WEBHOOK_SECRET", ""),
            getattr(settings, "TELEGRAM_LOGIN_OIDC_CLIENT_SECRET", ""),
        ):
            if secret:
                redacted = redacted.replace(secret, "[redacted]")
        for pattern in SECRET_PATTERNS:
            redacted = pattern.sub("[redacted]", redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_text is None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for pattern in SECRET_PATTERNS:
                record.exc_text = pattern.sub("[redacted]", record.exc_text)
        return True
