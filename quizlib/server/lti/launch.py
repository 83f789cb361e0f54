"""OIDC login initiation and the launch: what the IMS Security Framework and LTI Core 1.3 require, checked in order.

Login (``/lti/login``, Security Framework 5.1.1.1): the platform names itself (``iss``,
optionally ``client_id`` and ``lti_deployment_id``), the user (``login_hint``) and the
target. We store a fresh ``state`` (hashed) and ``nonce`` in the database and send the
browser to the platform's authorization endpoint. No cookie is set: a third-party cookie
would not survive the LMS iframe in browsers that block them.

Launch (``/lti/launch``, Security Framework 5.1.3 and LTI Core 5.3): the ``state`` must be
one we issued, unexpired and unused, and it fixes which platform may answer; then the
``id_token`` must be an RS256 JWS with a ``kid`` found in that platform's JWKS; ``iss`` the
platform, ``aud`` our client id (and ``azp`` our client id when ``aud`` lists several),
``exp``/``iat`` within :data:`LEEWAY_SECONDS`, ``nonce`` the one stored with the state and
never seen before, ``deployment_id`` registered, ``message_type`` one we handle,
``version`` 1.3.0, and the claims that message requires present. Only then is anyone
signed in; every refusal is an :class:`.errors.LtiError` (a 4xx page).

Not done: tying the launch to the browser that started the login. A cookie cannot do it in
an LMS frame, and the LTI Platform Storage ``postMessage`` API (offered by Canvas through
``lti_storage_target``) needs a fallback wherever it is not answered (Canvas's mobile apps),
which would reopen the gap. So a login-CSRF (someone making another person's browser post
*their own* valid launch) is not prevented beyond the state being single-use and short-lived.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, JoseError
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import claims as c
from .errors import LtiError
from .platform_keys import PlatformKeys
from .tables import LtiDeployment, LtiLoginState, LtiNonce, LtiPlatform

LEEWAY_SECONDS = 60
"""Clock skew tolerated on ``exp`` and ``iat`` (the Security Framework allows "a small leeway")."""
STATE_MINUTES = 10
"""How long a login may take between initiation and launch."""
NONCE_DAYS = 2
"""How long a used nonce is remembered: longer than any id_token a platform issues can live."""
MAX_ID_TOKEN = 64 * 1024


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def tool_urls(public_url: str) -> dict[str, str]:
    """The URLs a platform is configured with (the registration guide shows them)."""
    base = public_url.rstrip("/")
    return {"login": f"{base}/lti/login", "launch": f"{base}/lti/launch", "jwks": f"{base}/lti/jwks",
            "config": f"{base}/lti/config.json", "register": f"{base}/lti/register", "domain": base.split("://", 1)[-1]}


def _text(params: Mapping[str, Any], name: str, limit: int = 2000) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit or not value.isprintable():
        raise LtiError(400, "Bad login request", f"'{name}' is not a valid value")
    return value


def storable(value: Any, limit: int) -> bool:
    """A string a database keeps as sent: no NUL (PostgreSQL refuses it) and no lone surrogate (not UTF-8)."""
    return (isinstance(value, str) and 0 < len(value) <= limit and "\x00" not in value
            and not any("\ud800" <= ch <= "\udfff" for ch in value))


def find_platform(session: Session, issuer: str, client_id: str | None) -> LtiPlatform:
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id is not None:
        query = query.where(LtiPlatform.client_id == client_id)
    found = list(session.execute(query).scalars())
    if not found:
        raise LtiError(400, "Unknown platform", f"no platform with issuer '{issuer[:200]}'"
                       + (f" and client id '{client_id[:100]}'" if client_id else "")
                       + " is registered with this tool; an administrator registers it with `quizlib serve lti register`")
    if len(found) > 1:
        raise LtiError(400, "Ambiguous platform", "several registrations share this issuer and the login did not name "
                       "its client_id; the platform must send client_id")
    return found[0]


def deployment_known(session: Session, platform: LtiPlatform, deployment_id: str) -> bool:
    return session.execute(select(LtiDeployment.id).where(
        LtiDeployment.platform_pk == platform.id, LtiDeployment.deployment_id == deployment_id)).first() is not None


def login(session: Session, params: Mapping[str, Any], public_url: str, now: datetime) -> str:
    """Handle a third-party initiated login; returns the URL to send the browser to."""
    issuer = _text(params, "iss")
    login_hint = _text(params, "login_hint")
    target = _text(params, "target_link_uri")
    missing = [n for n, v in (("iss", issuer), ("login_hint", login_hint), ("target_link_uri", target)) if v is None]
    if missing:
        raise LtiError(400, "Bad login request", f"missing parameter(s): {', '.join(missing)}")
    assert issuer is not None and login_hint is not None and target is not None
    platform = find_platform(session, issuer, _text(params, "client_id", 255))
    deployment = _text(params, "lti_deployment_id", 255)
    if deployment is not None and not deployment_known(session, platform, deployment):
        raise LtiError(403, "Unknown deployment", f"deployment '{deployment}' of {platform.name} is not registered; "
                       f"add it with `quizlib serve lti deployment {platform.id} {deployment}`")
    urls = tool_urls(public_url)
    if not target.startswith(public_url.rstrip("/") + "/"):
        raise LtiError(400, "Bad login request", f"target_link_uri must be on this tool ({urls['launch']})")
    session.execute(delete(LtiLoginState).where(LtiLoginState.expires_at < now))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(LtiLoginState(state_hash=digest(state), platform_pk=platform.id, nonce=nonce, target_link_uri=target,
                              created_at=now, expires_at=now + timedelta(minutes=STATE_MINUTES), used_at=None))
    query = {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": platform.client_id, "redirect_uri": urls["launch"], "login_hint": login_hint,
        "state": state, "nonce": nonce,
    }
    hint = _text(params, "lti_message_hint", 4000)
    if hint is not None:
        query["lti_message_hint"] = hint
    sep = "&" if "?" in platform.auth_login_url else "?"
    return f"{platform.auth_login_url}{sep}{urlencode(query)}"


@dataclass
class Launch:
    """A launch that passed every check."""

    platform: LtiPlatform
    claims: dict[str, Any]
    message_type: str
    deployment_id: str
    sub: str
    role: str
    """``learner`` or ``instructor`` (:func:`.claims.service_role`)."""
    custom: dict[str, Any] = field(default_factory=dict)

    def claim(self, name: str) -> dict[str, Any]:
        value = self.claims.get(name)
        return value if isinstance(value, dict) else {}


def _header(token: str) -> dict[str, Any]:
    try:
        return dict(jws.extract_compact(token.encode("ascii")).headers())
    except (JoseError, ValueError, UnicodeError, TypeError):
        raise LtiError(400, "Bad launch", "id_token is not a signed JWT") from None


def _require(data: dict[str, Any], names: list[str]) -> None:
    missing = [n for n in names if data.get(n) in (None, "", {})]
    if missing:
        raise LtiError(400, "Missing claims", "the launch lacks required claim(s): " + ", ".join(missing))


def validate(session: Session, form: Mapping[str, Any], keys: PlatformKeys, now: datetime) -> Launch:
    """Check a launch (the form the platform posted) and consume its state and nonce; :class:`LtiError` if refused."""
    token, state = form.get("id_token"), form.get("state")
    if not isinstance(token, str) or not token:
        error = form.get("error")
        if isinstance(error, str) and error:  # the platform's authentication response may be an OIDC error
            raise LtiError(401, "The platform refused the login", f"{error[:100]}: {str(form.get('error_description', ''))[:300]}")
        raise LtiError(400, "Bad launch", "no id_token was posted")
    if not isinstance(state, str) or not state or len(state) > 200:
        raise LtiError(400, "Bad launch", "no state was posted")
    if len(token) > MAX_ID_TOKEN:
        raise LtiError(400, "Bad launch", "id_token is too large")
    row = session.get(LtiLoginState, digest(state))
    if row is None:
        raise LtiError(401, "Unknown login", "this launch does not continue a login started here; "
                       "open the quiz again from the course")
    if row.used_at is not None:
        raise LtiError(401, "Launch already used", "this launch was already used (a replay?); open the quiz again from the course")
    if row.expires_at <= now:
        raise LtiError(401, "Login expired", "the login took too long; open the quiz again from the course")
    platform = session.get(LtiPlatform, row.platform_pk)
    assert platform is not None

    header = _header(token)
    if header.get("alg") != "RS256":
        raise LtiError(401, "Wrong signature", f"id_token must be signed with RS256, not {str(header.get('alg'))[:20]}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise LtiError(401, "Wrong signature", "id_token has no key id (kid)")
    key_set = keys.key_set(platform.jwks_url, kid)
    try:
        data = dict(jwt.decode(token, key_set, algorithms=["RS256"]).claims)
    except BadSignatureError:
        raise LtiError(401, "Wrong signature", "the id_token's signature does not match the platform's key") from None
    except JoseError:
        raise LtiError(401, "Wrong signature", "the id_token could not be verified") from None

    _require(data, ["iss", "aud", "exp", "iat", "nonce"])
    if data["iss"] != platform.issuer:
        raise LtiError(401, "Wrong issuer", "the id_token's issuer is not the platform this login started with")
    aud = data["aud"]
    audiences = aud if isinstance(aud, list) else [aud]
    if platform.client_id not in audiences:
        raise LtiError(401, "Wrong audience", "the id_token is not meant for this tool (aud)")
    azp = data.get("azp")
    if (len(audiences) > 1 and azp is None) or (azp is not None and azp != platform.client_id):
        raise LtiError(401, "Wrong audience", "the id_token's authorized party (azp) is not this tool")
    try:
        JWTClaimsRegistry(now=int(now.timestamp()), leeway=LEEWAY_SECONDS).validate(
            {k: data[k] for k in ("exp", "iat", "nbf") if k in data})
    except ExpiredTokenError:
        raise LtiError(401, "Launch expired", "the id_token has expired; open the quiz again from the course") from None
    except JoseError as exc:
        raise LtiError(401, "Bad launch time", f"the id_token's times are not valid ({exc.description or exc.error})") from None
    if data["nonce"] != row.nonce:
        raise LtiError(401, "Wrong nonce", "the id_token's nonce is not the one this login issued")

    _require(data, [c.MESSAGE_TYPE, c.VERSION, c.DEPLOYMENT_ID, "sub", c.TARGET_LINK_URI])
    message_type = data[c.MESSAGE_TYPE]
    if message_type not in (c.RESOURCE_LINK_REQUEST, c.DEEP_LINKING_REQUEST):
        raise LtiError(400, "Unsupported message", f"message type '{str(message_type)[:60]}' is not handled by this tool")
    if data[c.VERSION] != c.LTI_VERSION:
        raise LtiError(400, "Unsupported LTI version", f"version '{str(data[c.VERSION])[:20]}' (this tool speaks 1.3.0)")
    if c.ROLES not in data or not isinstance(data[c.ROLES], list):
        raise LtiError(400, "Missing claims", "the launch lacks required claim(s): " + c.ROLES)
    if message_type == c.RESOURCE_LINK_REQUEST:
        link = data.get(c.RESOURCE_LINK)
        if not isinstance(link, dict) or not link.get("id"):
            raise LtiError(400, "Missing claims", "the launch lacks required claim(s): " + c.RESOURCE_LINK + " (id)")
    else:
        settings = data.get(c.DL_SETTINGS)
        if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
            raise LtiError(400, "Missing claims", "the launch lacks required claim(s): " + c.DL_SETTINGS + " (deep_link_return_url)")
    for name in ("sub", c.DEPLOYMENT_ID, c.TARGET_LINK_URI):
        if not storable(data[name], 255 * (4 if name == c.TARGET_LINK_URI else 1)):
            raise LtiError(400, "Bad launch", f"claim {name} is not a valid string")
    for claim in (c.RESOURCE_LINK, c.CONTEXT):
        value = data.get(claim)
        if isinstance(value, dict) and value.get("id") is not None and not storable(value["id"], 255):
            raise LtiError(400, "Bad launch", f"claim {claim} has an id that is not a valid string")
    if data[c.TARGET_LINK_URI] != row.target_link_uri:
        raise LtiError(400, "Bad launch", "target_link_uri differs from the one the login named")
    deployment_id = data[c.DEPLOYMENT_ID]
    if not deployment_known(session, platform, deployment_id):
        raise LtiError(403, "Unknown deployment", f"deployment '{deployment_id[:100]}' of {platform.name} is not registered; "
                       f"an administrator adds it with `quizlib serve lti deployment {platform.id} {deployment_id[:100]}`")
    role = c.service_role(data[c.ROLES])
    if role is None:
        raise LtiError(403, "Role not allowed", "only learners and instructors of the course may open graded quizzes")

    # Consume: the state once (a concurrent second use updates nothing), the nonce once per platform forever.
    used = session.execute(update(LtiLoginState).where(LtiLoginState.state_hash == row.state_hash,
                                                       LtiLoginState.used_at.is_(None)).values(used_at=now))
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise LtiError(401, "Launch already used", "this launch was already used (a replay?)")
    session.execute(delete(LtiNonce).where(LtiNonce.expires_at < now))
    try:
        with session.begin_nested():
            session.add(LtiNonce(platform_pk=platform.id, nonce=str(data["nonce"])[:255],
                                 expires_at=now + timedelta(days=NONCE_DAYS)))
    except IntegrityError:
        raise LtiError(401, "Replayed launch", "this id_token's nonce was already used") from None
    custom = data.get(c.CUSTOM)
    return Launch(platform, data, message_type, deployment_id, data["sub"], role,
                  custom if isinstance(custom, dict) else {})
