"""The page objects and helpers the browser tests play the site and Telegram with."""

from .site import (
    CONNECTIONS_PATH,
    DEVICES,
    LOCALES,
    LOGIN_PATH,
    PASSWORD,
    PHONE,
    POLL_PATH_RE,
    RUN,
    STATE_TIMEOUT_MS,
    SandboxQA,
    SignInPage,
    confirm_password,
    connect_telegram,
    in_view,
    screenshot,
    sign_in_with_email,
    unique_email,
)
from .telegram import TelegramApp, TelegramUser

__all__ = [
    "CONNECTIONS_PATH",
    "DEVICES",
    "LOCALES",
    "LOGIN_PATH",
    "PASSWORD",
    "PHONE",
    "POLL_PATH_RE",
    "RUN",
    "STATE_TIMEOUT_MS",
    "SandboxQA",
    "SignInPage",
    "TelegramApp",
    "TelegramUser",
    "confirm_password",
    "connect_telegram",
    "in_view",
    "screenshot",
    "sign_in_with_email",
    "unique_email",
]
