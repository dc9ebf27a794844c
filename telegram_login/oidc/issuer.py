"""The one client for the issuer's back channel: its discovery document, its signing keys and
its token endpoint, over requests with a timeout on every call.

An issuer that does not answer, answers 5xx or answers something that is not what OpenID
Connect promises is `IssuerUnavailable`; a token endpoint that refuses the code is
`CodeRefused`. Neither ever becomes a 500 (views.py turns them into a page).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.cache import cache

from telegram_login.conf import OIDCSettings, get_settings

logger = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_TTL = 3600
KEYS_TTL = 600
# What the issuer may send back at most; a discovery document or a key set is a few kilobytes.
MAX_RESPONSE_BYTES = 256 * 1024
# Called with each new requests.Session and the issuer it talks to: an app that plays
# Telegram's issuer on this site answers for it here (hooks.py), so this module never imports
# it.
session_hooks: list[Callable[[requests.Session, str], None]] = []


class IssuerUnavailable(Exception):
    """The issuer did not answer, or not as OpenID Connect says it must."""


class CodeRefused(Exception):
    """The token endpoint refused the authorization code (used, expired, or not ours)."""


@dataclass(frozen=True)
class IssuerMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_endpoint_auth_methods: tuple[str, ...]


def _session(issuer: str) -> requests.Session:
    session = requests.Session()
    for hook in session_hooks:
        hook(session, issuer)
    return session


def _read_capped(response: requests.Response, url: str) -> bytes:
    """The answer's body, read no further than MAX_RESPONSE_BYTES."""
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=16 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            response.close()
            raise IssuerUnavailable(f"{url}: an answer over {MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _get_json(session: requests.Session, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    conf = get_settings().oidc
    try:
        response = session.request(method, url, timeout=conf.timeout, stream=True, **kwargs)
        status = response.status_code
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            response.close()
            raise IssuerUnavailable(f"{url}: HTTP {status}")
        content = _read_capped(response, url)
    except requests.RequestException as exc:
        raise IssuerUnavailable(f"{url}: {type(exc).__name__}") from exc
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if method == "POST" and HTTPStatus.BAD_REQUEST <= status < HTTPStatus.INTERNAL_SERVER_ERROR:
        error = body.get("error") if isinstance(body, dict) else None
        raise CodeRefused(error if isinstance(error, str) else f"HTTP {status}")
    if status != HTTPStatus.OK or not isinstance(body, dict):
        raise IssuerUnavailable(f"{url}: HTTP {status}, not a JSON object")
    return body


def _secure_enough(url: str, *, issuer: str) -> bool:
    """Endpoints are https, or http on the same origin as an http issuer (one played on this
    site, and a development issuer that conf.validate allows only with DEBUG on)."""
    parts, home = urlsplit(url), urlsplit(issuer)
    if parts.scheme == "https":
        return bool(parts.netloc)
    return parts.scheme == "http" == home.scheme and parts.netloc == home.netloc


def metadata(issuer: str) -> IssuerMetadata:
    """The issuer's discovery document, cached for an hour."""
    cache_key = f"telegram_login:oidc:discovery:{issuer}"
    found = cache.get(cache_key)
    if isinstance(found, dict):
        return IssuerMetadata(**found)
    body = _get_json(_session(issuer), "GET", issuer + DISCOVERY_PATH)
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it came from.
    if body.get("issuer") != issuer:
        raise IssuerUnavailable(f"discovery names issuer {body.get('issuer')!r}, not {issuer!r}")
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = body.get(name)
        if not isinstance(value, str) or not _secure_enough(value, issuer=issuer):
            raise IssuerUnavailable(f"discovery has no usable {name}")
        endpoints[name] = value
    methods = body.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    found = IssuerMetadata(
        issuer=issuer,
        token_endpoint_auth_methods=tuple(m for m in methods if isinstance(m, str)),
        **endpoints,
    )
    cache.set(cache_key, asdict(found), timeout=DISCOVERY_TTL)
    return found


def signing_keys(meta: IssuerMetadata, *, refresh: bool = False) -> list[dict[str, Any]]:
    """The issuer's public keys (its JWKS), cached for ten minutes; `refresh` fetches them
    again, for a key id not seen yet (the issuer rotated its keys)."""
    cache_key = f"telegram_login:oidc:jwks:{meta.jwks_uri}"
    keys = None if refresh else cache.get(cache_key)
    if keys is None:
        body = _get_json(_session(meta.issuer), "GET", meta.jwks_uri)
        keys = [key for key in body.get("keys") or [] if isinstance(key, dict)]
        cache.set(cache_key, keys, timeout=KEYS_TTL)
    return keys


def exchange_code(
    meta: IssuerMetadata,
    conf: OIDCSettings,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> dict[str, Any]:
    """Trade the authorization code for tokens (with the PKCE verifier); the answer holds the
    ID token, which tokens.py verifies before anything trusts it."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": conf.client_id,
        "code_verifier": code_verifier,
    }
    auth = None
    if "client_secret_basic" in meta.token_endpoint_auth_methods:
        # Telegram's own examples send the id and secret as they are, not form-encoded first.
        auth = (conf.client_id, conf.client_secret)
    else:
        data["client_secret"] = conf.client_secret
    body = _get_json(
        _session(meta.issuer),
        "POST",
        meta.token_endpoint,
        data=data,
        auth=auth,
        headers={"Accept": "application/json"},
    )
    if not isinstance(body.get("id_token"), str):
        raise IssuerUnavailable("the token endpoint answered without an id_token")
    return body
