"""A fake of Telegram's OpenID Connect issuer (oauth.telegram.org) for the sandbox and the tests:
discovery, the consent step, the token endpoint and the key set, with keys made when the process
first needs them and never stored.

It checks what Telegram checks (the client, an allowed redirect URI, PKCE with S256, a code used
once, soon, by the client it was given to) and signs ID tokens with the claims Telegram's carry:
`id` (the numeric Telegram id), `name`, `preferred_username`, the phone number with the `phone`
scope, and a `sub` that differs from client to client (the tokens and their keys are
oidc_tokens.py's). `faults` makes it misbehave on purpose, for the tests of every way a sign-in
must be refused.

The site's back channel reaches it in process (oidc_transport.py), as the Bot API client
reaches the fake Bot API: the real views (oidc_views.py) answer through Django's handler, with
no network and no second server thread needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.crypto import constant_time_compare
from django.utils.http import urlencode

from telegram_login.sandbox import oidc_tokens
from telegram_login.sandbox.fake_api import fake_bot_api
from telegram_login.sandbox.oidc_tokens import (
    ALGORITHMS,
    TOKEN_LIFETIME,
    Faults,
    Grant,
    SigningKey,
)

CODE_LIFETIME = 60
CONSENT_LIFETIME = 600
SCOPES = ("openid", "profile", "phone", "telegram:bot_access")


@dataclass
class Consent:
    """An authorization request waiting for the Telegram user's answer."""

    id: str
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scopes: tuple[str, ...]
    match_code: str
    choices: tuple[str, ...]
    created_at: float


class AuthorizationError(Exception):
    """An authorization request Telegram would refuse on its own page, without redirecting
    (an unknown client or a redirect URI that is not allowed)."""


class FakeIssuer:
    def __init__(self, *, client_id: str, client_secret: str, algorithm: str = "RS256") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.algorithm = algorithm
        self.keys = {name: SigningKey.make(name) for name in ALGORITHMS}
        self.faults = Faults()
        self._lock = threading.Lock()
        self._consents: dict[str, Consent] = {}
        self._grants: dict[str, Grant] = {}
        self._sub_key = secrets.token_bytes(32)
        # Told of each Telegram user who lets the bot write to them (telegram:bot_access): in the
        # sandbox, the fake Bot API opens their chat, as Telegram does.
        self.on_bot_access: Callable[[dict[str, Any]], None] | None = None

    # -- discovery and keys ------------------------------------------------------------------

    def discovery(self, issuer: str) -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/auth",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": list(ALGORITHMS),
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                "iss",
                "aud",
                "sub",
                "iat",
                "exp",
                "nonce",
                "id",
                "name",
                "preferred_username",
                "picture",
                "phone_number",
            ],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys.values()]}

    # -- the browser's trip ------------------------------------------------------------------

    def ask(self, params: dict[str, str], *, allowed_redirect_uris: list[str]) -> Consent:
        """Check an authorization request; a Consent to show, AuthorizationError to refuse
        without redirecting, or a ValueError whose text is the OAuth error to redirect with."""
        if params.get("client_id") != self.client_id:
            raise AuthorizationError("unknown client_id")
        if params.get("redirect_uri") not in allowed_redirect_uris:
            raise AuthorizationError("redirect_uri is not among the bot's allowed URLs")
        if params.get("response_type") != "code":
            raise ValueError("unsupported_response_type")
        scopes = tuple(params.get("scope", "").split())
        if "openid" not in scopes or not set(scopes) <= set(SCOPES):
            raise ValueError("invalid_scope")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            raise ValueError("invalid_request")
        with self._lock:
            self._forget_old()
            again = self._waiting(params, scopes)
        if again is not None:
            # The same request again (a reload, or back from "who are you on Telegram?"): the
            # same code, as the browser has already shown it.
            return again
        match_code = f"{secrets.randbelow(90) + 10}"
        others = {f"{secrets.randbelow(90) + 10}" for _ in range(6)} - {match_code}
        choices = [match_code, *sorted(others)[:2]]
        secrets.SystemRandom().shuffle(choices)
        consent = Consent(
            id=secrets.token_urlsafe(16),
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            state=params.get("state", ""),
            nonce=params.get("nonce", ""),
            code_challenge=params["code_challenge"],
            scopes=scopes,
            match_code=match_code,
            choices=tuple(choices),
            created_at=time.time(),
        )
        with self._lock:
            self._forget_old()
            self._consents[consent.id] = consent
        return consent

    def _waiting(self, params: dict[str, str], scopes: tuple[str, ...]) -> Consent | None:
        for consent in self._consents.values():
            if (
                consent.client_id,
                consent.redirect_uri,
                consent.state,
                consent.nonce,
                consent.code_challenge,
                consent.scopes,
            ) == (
                params["client_id"],
                params["redirect_uri"],
                params.get("state", ""),
                params.get("nonce", ""),
                params["code_challenge"],
                scopes,
            ):
                return consent
        return None

    def consent(self, consent_id: str) -> Consent | None:
        with self._lock:
            found = self._consents.get(consent_id)
        if found is None or time.time() - found.created_at > CONSENT_LIFETIME:
            return None
        return found

    def decide(
        self, consent_id: str, *, user: dict[str, Any] | None, picked: str, bot_access: bool
    ) -> str | None:
        """The Telegram user's answer: the URL to send the browser back to, with a code if they
        picked the code the browser shows, with error=access_denied otherwise; None if the
        consent is unknown or over."""
        with self._lock:
            consent = self._consents.pop(consent_id, None)
        if consent is None or time.time() - consent.created_at > CONSENT_LIFETIME:
            return None
        if user is None or picked != consent.match_code:
            return self._back(consent, error="access_denied")
        code = secrets.token_urlsafe(32)
        grant = Grant(
            client_id=consent.client_id,
            redirect_uri=consent.redirect_uri,
            code_challenge=consent.code_challenge,
            nonce=consent.nonce,
            scopes=consent.scopes,
            user=dict(user),
            bot_access=bot_access and "telegram:bot_access" in consent.scopes,
            created_at=time.time(),
        )
        with self._lock:
            self._grants[code] = grant
        if grant.bot_access and self.on_bot_access is not None:
            self.on_bot_access(grant.user)
        return self._back(consent, code=code)

    @staticmethod
    def _back(consent: Consent, **params: str) -> str:
        if consent.state:
            params["state"] = consent.state
        joiner = "&" if "?" in consent.redirect_uri else "?"
        return f"{consent.redirect_uri}{joiner}{urlencode(params)}"

    def _forget_old(self) -> None:
        now = time.time()
        for consent_id in [
            c.id for c in self._consents.values() if now - c.created_at > CONSENT_LIFETIME
        ]:
            del self._consents[consent_id]
        for code in [c for c, g in self._grants.items() if now - g.created_at > CODE_LIFETIME]:
            del self._grants[code]

    # -- the token endpoint ------------------------------------------------------------------

    def _client_authenticated(self, form: dict[str, str], authorization: str) -> bool:
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:], validate=True).decode()
            except ValueError:
                return False
            client_id, _, secret = decoded.partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and constant_time_compare(secret, self.client_secret)

    def exchange(
        self, form: dict[str, str], *, authorization: str, issuer: str
    ) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (HTTP status, JSON body)."""
        if not self._client_authenticated(form, authorization):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._grants.get(form.get("code", ""))
            fresh = grant is not None and not grant.used
            if grant is not None:
                grant.used = True
        if grant is None or not fresh or time.time() - grant.created_at > CODE_LIFETIME:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if grant.client_id != self.client_id or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if not verifier or not constant_time_compare(challenge, grant.code_challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, {
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": " ".join(grant.scopes),
            "id_token": self.id_token(issuer=issuer, grant=grant),
        }

    def subject(self, telegram_id: int) -> str:
        """`sub`: stable for one client, different for another (as Telegram's)."""
        message = f"{self.client_id}:{telegram_id}".encode()
        return hmac.new(self._sub_key, message, hashlib.sha256).hexdigest()[:32]

    def id_token(self, *, issuer: str, grant: Grant) -> str:
        return oidc_tokens.id_token(
            issuer=issuer,
            grant=grant,
            audience=self.client_id,
            subject=self.subject(grant.user["id"]),
            key=self.keys[self.algorithm],
            faults=self.faults,
        )


_issuer: FakeIssuer | None = None
_issuer_lock = threading.Lock()


def fake_issuer() -> FakeIssuer:
    """The process's fake issuer (the sandbox lives in one process), for the sandbox's client."""
    global _issuer
    from telegram_login.conf import get_settings

    conf = get_settings().oidc
    with _issuer_lock:
        if _issuer is None or (_issuer.client_id, _issuer.client_secret) != (
            conf.client_id,
            conf.client_secret,
        ):
            _issuer = FakeIssuer(
                client_id=conf.client_id,
                client_secret=conf.client_secret,
                algorithm=conf.signing_algorithm,
            )
            _issuer.on_bot_access = _open_chat
        return _issuer


def _open_chat(user: dict[str, Any]) -> None:
    """Bot access allowed: the bot may write to this user in the sandbox's chat (the process's
    fake Bot API, looked up now: the tests make a fresh one for each test)."""
    fake_bot_api().allow_bot(user)


def reset_fake_issuer() -> None:
    global _issuer
    with _issuer_lock:
        _issuer = None
