"""The tool's signing keys (RSA, RS256 as LTI requires), their rotation, and the public JWKS.

Platforms verify what the tool signs (deep-linking responses, client assertions for
service tokens) against ``/lti/jwks``, which they cache. So a rotation keeps the old key
in the JWKS for a while (``keep_days``): a platform holding the old key set, or a message
signed just before the rotation, still verifies. Keys are stored in the database so every
process and host signs with the same key; the kid is the RFC 7638 thumbprint.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from .tables import LtiToolKey

ALGORITHM = "RS256"
KEY_BITS = 2048


def _new_key(session: Session, now: datetime) -> LtiToolKey:
    key = RSAKey.generate_key(KEY_BITS, parameters={"alg": ALGORITHM, "use": "sig"})
    key.ensure_kid()
    row = LtiToolKey(kid=str(key.kid), private_jwk=key.as_dict(private=True), created_at=now, retired_at=None,
                     expires_at=None)
    session.add(row)
    session.flush()
    return row


def active_key(session: Session, now: datetime) -> LtiToolKey:
    """The key that signs: the newest one not retired (made on first use)."""
    row = session.execute(
        select(LtiToolKey).where(LtiToolKey.retired_at.is_(None)).order_by(LtiToolKey.created_at.desc()).limit(1)
    ).scalar_one_or_none()
    return row if row is not None else _new_key(session, now)


def rotate(session: Session, now: datetime, keep_days: float = 7.0) -> tuple[str, list[str]]:
    """Start signing with a new key; the old ones stay published for ``keep_days``. (new kid, retired kids)."""
    retired = []
    for row in session.execute(select(LtiToolKey).where(LtiToolKey.retired_at.is_(None))).scalars():
        row.retired_at = now
        row.expires_at = now + timedelta(days=keep_days)
        retired.append(row.kid)
    return _new_key(session, now).kid, retired


def published(session: Session, now: datetime) -> list[LtiToolKey]:
    """Keys in the JWKS: the active one and retired ones not yet expired (oldest first)."""
    rows = session.execute(select(LtiToolKey).order_by(LtiToolKey.created_at)).scalars()
    return [r for r in rows if r.expires_at is None or r.expires_at > now]


def jwks(session: Session, now: datetime) -> dict[str, Any]:
    """The public JWKS (no private member ever leaves this function)."""
    active_key(session, now)
    keys = []
    for row in published(session, now):
        public = RSAKey.import_key(row.private_jwk).as_dict(private=False)
        keys.append({**public, "kid": row.kid, "alg": ALGORITHM, "use": "sig"})
    return {"keys": keys}


def sign(session: Session, claims: dict[str, Any], now: datetime) -> str:
    """A compact JWS of ``claims`` signed with the active key (``kid`` in the header, as LTI asks)."""
    row = active_key(session, now)
    key = RSAKey.import_key(row.private_jwk)
    return jwt.encode({"alg": ALGORITHM, "kid": row.kid, "typ": "JWT"}, claims, key, algorithms=[ALGORITHM])
