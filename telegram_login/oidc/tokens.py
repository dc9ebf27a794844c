"""Checking Telegram's ID token with PyJWT: the signature against the issuer's published keys,
with only the algorithm the bot chose, then `iss`, `aud`, `exp`, `iat` and the sign-in's nonce.

Nothing is taken from the token before all of these hold. The token comes straight from the
token endpoint, which OpenID Connect would let us trust without the signature; the signature
is checked anyway, so a wrong issuer URL, a proxy in between or a tampered answer cannot sign
anyone in.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from django.utils.crypto import constant_time_compare

from telegram_login.oidc.issuer import IssuerMetadata, signing_keys
from telegram_login.oidc.refusals import Refusal, TokenRefused

# Clocks differ a little between Telegram and this server.
LEEWAY_SECONDS = 30
# The token was minted for this sign-in a moment ago; an older one is a replay.
MAX_AGE_SECONDS = 600


def _key_for(meta: IssuerMetadata, *, kid: str | None, algorithm: str) -> Any:
    """The issuer's public key with this key id, for this algorithm; the keys are fetched again
    once when the id is new to us (the issuer rotated its keys)."""
    for refresh in (False, True):
        for jwk in signing_keys(meta, refresh=refresh):
            if jwk.get("kid") != kid or jwk.get("use", "sig") != "sig":
                continue
            if jwk.get("alg", algorithm) != algorithm:
                continue
            try:
                return jwt.PyJWK(jwk, algorithm=algorithm).key
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
                raise TokenRefused(Refusal.SIGNATURE, f"key {kid!r} unusable: {exc}") from None
    raise TokenRefused(Refusal.SIGNATURE, f"no {algorithm} key {kid!r} at {meta.jwks_uri}")


# What each of PyJWT's refusals means to the person, most specific first.
_REFUSALS: tuple[tuple[type[jwt.PyJWTError], Refusal], ...] = (
    (jwt.InvalidAudienceError, Refusal.AUDIENCE),
    (jwt.ExpiredSignatureError, Refusal.EXPIRED),
    (jwt.ImmatureSignatureError, Refusal.CLOCK),
    (jwt.InvalidIssuerError, Refusal.ISSUER),
    (jwt.InvalidSignatureError, Refusal.SIGNATURE),
    (jwt.InvalidAlgorithmError, Refusal.SIGNATURE),
    (jwt.DecodeError, Refusal.SIGNATURE),
)


def verify_id_token(
    token: str,
    *,
    meta: IssuerMetadata,
    client_id: str,
    algorithm: str,
    nonce: str,
    now: float | None = None,
) -> dict[str, Any]:
    """The ID token's claims if every check holds; `TokenRefused` with the reason otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise TokenRefused(Refusal.SIGNATURE, f"not a JWT: {exc}") from None
    if header.get("alg") != algorithm:
        # Only the algorithm configured for the bot: never "none", never HS256 keyed with a
        # public key, never whatever the token's header asks for.
        raise TokenRefused(Refusal.SIGNATURE, f"signed with {header.get('alg')!r}")
    key = _key_for(meta, kid=header.get("kid"), algorithm=algorithm)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=meta.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat"], "verify_nbf": True},
        )
    except jwt.PyJWTError as exc:
        refusal = next((r for kind, r in _REFUSALS if isinstance(exc, kind)), Refusal.MALFORMED)
        raise TokenRefused(refusal, str(exc)) from None
    now = time.time() if now is None else now
    if claims["iat"] < now - MAX_AGE_SECONDS:
        raise TokenRefused(Refusal.EXPIRED, f"issued {int(now - claims['iat'])} s ago")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise TokenRefused(Refusal.AUDIENCE, "several audiences and another authorized party")
    if not isinstance(claims.get("nonce"), str) or not constant_time_compare(
        claims["nonce"], nonce
    ):
        raise TokenRefused(Refusal.NONCE)
    return claims
