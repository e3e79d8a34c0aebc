"""JWT access tokens (pinned algorithm, audience, issuer, type) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from orderdesk.core.errors import Unauthorized
from orderdesk.settings import Settings

ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 10_000
ACCESS_TYPE = "access"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_id: int
    role: str
    expires_at: datetime


class TokenCodec:
    """Issues and checks access tokens; the first secret signs, every secret verifies."""

    def __init__(self, settings: Settings) -> None:
        self._keys = list(settings.secret_keys)
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self.access_ttl = timedelta(seconds=settings.access_token_ttl_seconds)
        self.refresh_ttl = timedelta(seconds=settings.refresh_token_ttl_seconds)
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def issue_access(self, *, user_id: int, session_id: int, role: str, now: datetime) -> str:
        claims: dict[str, Any] = {
            "sub": str(user_id),
            "sid": session_id,
            "role": role,
            "typ": ACCESS_TYPE,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + self.access_ttl).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._keys[0], algorithm=ALGORITHM, headers={"kid": "0"})

    def decode_access(self, token: str) -> AccessClaims:
        """Verify signature, algorithm, audience, issuer, expiry and type; else Unauthorized.

        A token that verified once is remembered (bounded LRU): verification is pure Python in
        PyJWT and costs ~0.1 ms per request, while a token string never changes meaning. Expiry
        is checked on every use; revocation is checked by the caller against the session.
        """
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at.timestamp() <= time.time():
                del self._verified[token]
                raise Unauthorized("auth.token_invalid")
            self._verified.move_to_end(token)
            return cached
        claims = self._verify(token)
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str) -> AccessClaims:
        last_error: Exception | None = None
        for key in self._keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=[ALGORITHM],
                    audience=self._audience,
                    issuer=self._issuer,
                    options={"require": ["exp", "iat", "sub", "sid", "typ", "aud", "iss"]},
                )
            except jwt.InvalidSignatureError as exc:
                last_error = exc
                continue
            except jwt.PyJWTError as exc:
                raise Unauthorized("auth.token_invalid") from exc
            if claims.get("typ") != ACCESS_TYPE or not isinstance(claims.get("sid"), int):
                raise Unauthorized("auth.token_invalid")
            try:
                user_id = int(claims["sub"])
            except (TypeError, ValueError) as exc:
                raise Unauthorized("auth.token_invalid") from exc
            return AccessClaims(
                user_id=user_id,
                session_id=claims["sid"],
                role=str(claims.get("role", "")),
                expires_at=datetime.fromtimestamp(claims["exp"]).astimezone(),
            )
        raise Unauthorized("auth.token_invalid") from last_error


def new_refresh_token() -> tuple[str, str]:
    """A 256-bit random refresh token and the sha256 hex digest stored for it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
