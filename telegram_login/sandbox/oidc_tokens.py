"""The ID tokens of the sandbox's fake issuer (oidc_issuer.py): its signing keys, the faults the
tests set, the grant a code stands for, and the token signed from it with the claims Telegram's
carry.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ALGORITHMS = ("RS256", "ES256", "EdDSA")
TOKEN_LIFETIME = 3600


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    private_key: Any

    @classmethod
    def make(cls, algorithm: str) -> SigningKey:
        if algorithm == "RS256":
            key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif algorithm == "ES256":
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            key = ed25519.Ed25519PrivateKey.generate()
        return cls(kid=secrets.token_hex(8), algorithm=algorithm, private_key=key)

    def public_jwk(self) -> dict[str, Any]:
        coder: dict[str, Any] = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}
        jwk = coder[self.algorithm].to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def sign(self, claims: dict[str, Any], *, algorithm: str | None = None) -> str:
        return jwt.encode(
            claims,
            self.private_key,
            algorithm=algorithm or self.algorithm,
            headers={"kid": self.kid},
        )


@dataclass
class Faults:
    """Ways to misbehave, for the tests (the sandbox's pages never set them)."""

    down: bool = False  # every back-channel endpoint answers 503
    foreign_key: bool = False  # sign with a key that is not in the key set (same key id)
    audience: str | None = None  # another client's id in `aud`
    expired: bool = False  # `exp` an hour ago
    issued_in_future: bool = False  # `iat` an hour from now
    issuer: str | None = None  # another `iss`
    nonce: str | None = None  # another sign-in's nonce
    algorithm: str | None = None  # a header `alg` other than the key's ("HS256", "none")
    claims: dict[str, Any] = field(default_factory=dict)  # claims replaced or added


@dataclass
class Grant:
    """What a code stands for, until the token endpoint exchanges it."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    scopes: tuple[str, ...]
    user: dict[str, Any]
    bot_access: bool
    created_at: float
    used: bool = False


def id_token(
    *, issuer: str, grant: Grant, audience: str, subject: str, key: SigningKey, faults: Faults
) -> str:
    """The ID token for a grant, signed as Telegram signs it, or misshapen as `faults` ask."""
    user = grant.user
    now = int(time.time())
    iat = now + 3600 if faults.issued_in_future else now - 7200 if faults.expired else now
    claims: dict[str, Any] = {
        "iss": faults.issuer or issuer,
        "aud": faults.audience or audience,
        "sub": subject,
        "iat": iat,
        "exp": iat + TOKEN_LIFETIME,
        "auth_time": iat,
        "nonce": faults.nonce if faults.nonce is not None else grant.nonce,
        "id": user["id"],
        "name": " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p),
    }
    if user.get("username"):
        claims["preferred_username"] = user["username"]
    if "phone" in grant.scopes:
        # +888 is Telegram's range of anonymous numbers: clearly not anyone's real phone.
        claims["phone_number"] = f"+888{user['id'] % 10**8:08d}"
    claims.update(faults.claims)
    if faults.foreign_key:
        # Another key under the published key's id: its signature cannot be verified.
        fresh = SigningKey.make(key.algorithm)
        key = SigningKey(kid=key.kid, algorithm=key.algorithm, private_key=fresh.private_key)
    if faults.algorithm == "none":
        return jwt.encode(
            claims,
            None,  # type: ignore[arg-type]  # an unsigned token, as an attacker sends one
            algorithm="none",
            headers={"kid": key.kid},
        )
    if faults.algorithm == "HS256":
        # The classic confusion: HMAC keyed with the issuer's *public* key.
        public = key.public_jwk()
        secret = (public.get("n") or public.get("x") or "").encode()
        return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": key.kid})
    return key.sign(claims)
