"""Platforms this tool trusts: registered by hand or by LTI Dynamic Registration 1.0, stored in the database.

Manual registration (``quizlib serve lti register``) takes what the LMS shows after the
tool is added there: issuer, client id, authorization, token and key set URLs, and one or
more deployment ids.

Dynamic registration: the LMS opens ``/lti/register`` with ``openid_configuration`` and
``registration_token``; we read the platform's OpenID configuration, check that its issuer
is on the same host as that URL (LTI DR 1.0 section 3.5.1), post our configuration to its
``registration_endpoint``, and store the client id (and deployment id) it answers with.
Anyone could open that URL, and a registered platform can sign people in, so it works
only with a one-time code from ``quizlib serve lti registration-url`` (an administrator's).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import claims as c
from .errors import LtiError
from .launch import digest, tool_urls
from .tables import LtiDeployment, LtiPlatform, LtiRegistrationCode

TOOL_NAME = "quizlib graded quizzes"
CODE_HOURS = 24


def origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def frame_origins(platform: LtiPlatform) -> set[str]:
    """Origins that may frame the tool for this platform: its own URLs' origins and any configured ones."""
    found = {origin(u) for u in (platform.issuer, platform.auth_login_url)}
    found.update(o for o in (platform.frame_origins or []) if isinstance(o, str))
    return {o for o in found if o}


def _check_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise LtiError(400, "Bad registration", f"{name} must be an http(s) URL, not '{url[:200]}'")
    return url


def register(session: Session, *, name: str, issuer: str, client_id: str, auth_login_url: str, auth_token_url: str,
             jwks_url: str, deployments: list[str], now: datetime, token_audience: str | None = None,
             frame: list[str] | None = None) -> LtiPlatform:
    """Add a platform (or update the one with this issuer and client id) and its deployments."""
    for label, url in (("issuer", issuer), ("auth login URL", auth_login_url), ("token URL", auth_token_url),
                       ("key set URL", jwks_url)):
        _check_url(label, url)
    for o in frame or []:
        if origin(o) != o.rstrip("/"):
            raise LtiError(400, "Bad registration", f"frame origin must be scheme://host[:port], not '{o[:200]}'")
    platform = session.execute(select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id)
                               ).scalar_one_or_none()
    if platform is None:
        platform = LtiPlatform(issuer=issuer, client_id=client_id, created_at=now, frame_origins=[])
        session.add(platform)
    platform.name = name[:200]
    platform.auth_login_url, platform.auth_token_url, platform.jwks_url = auth_login_url, auth_token_url, jwks_url
    platform.token_audience = token_audience
    platform.frame_origins = sorted(set(platform.frame_origins or []) | {o.rstrip("/") for o in frame or []})
    session.flush()
    for deployment in deployments:
        add_deployment(session, platform, deployment, now)
    return platform


def add_deployment(session: Session, platform: LtiPlatform, deployment_id: str, now: datetime) -> None:
    if not deployment_id or len(deployment_id) > 255:
        raise LtiError(400, "Bad registration", "a deployment id is 1 to 255 characters")
    exists = session.execute(select(LtiDeployment.id).where(LtiDeployment.platform_pk == platform.id,
                                                            LtiDeployment.deployment_id == deployment_id)).first()
    if exists is None:
        session.add(LtiDeployment(platform_pk=platform.id, deployment_id=deployment_id, created_at=now))
        session.flush()


def platforms(session: Session) -> list[LtiPlatform]:
    return list(session.execute(select(LtiPlatform).order_by(LtiPlatform.id)).scalars())


def new_code(session: Session, now: datetime, hours: float = CODE_HOURS) -> str:
    code = secrets.token_urlsafe(24)
    session.add(LtiRegistrationCode(code_hash=digest(code), created_at=now, expires_at=now + timedelta(hours=hours),
                                    used_at=None))
    return code


def tool_configuration(public_url: str) -> dict[str, Any]:
    """The client registration we post (LTI DR 1.0 section 3.6)."""
    urls = tool_urls(public_url)
    return {
        "application_type": "web", "response_types": ["id_token"], "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"], "redirect_uris": [urls["launch"]], "client_name": TOOL_NAME,
        "jwks_uri": urls["jwks"], "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(c.TOOL_SCOPES),
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
            "domain": urls["domain"], "target_link_uri": urls["launch"],
            "description": "Graded quizzes whose answer keys stay on the server; scores go to the gradebook.",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [{"type": c.DEEP_LINKING_REQUEST, "target_link_uri": urls["launch"], "label": "Graded quiz"}],
        },
    }


def dynamic_register(session: Session, http: httpx.Client, code: str, openid_configuration: str,
                     registration_token: str | None, public_url: str, now: datetime) -> LtiPlatform:
    """Run LTI Dynamic Registration with the platform; returns the stored platform."""
    row = session.get(LtiRegistrationCode, digest(code)) if code else None
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LtiError(403, "Registration not allowed", "this registration URL is unknown, used or expired; "
                       "an administrator makes a new one with `quizlib serve lti registration-url`")
    _check_url("openid_configuration", openid_configuration)
    try:
        response = http.get(openid_configuration, headers={"Accept": "application/json",
                            **({"Authorization": f"Bearer {registration_token}"} if registration_token else {})})
        config = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        config = None
    if not isinstance(config, dict):
        raise LtiError(400, "Registration failed", "the platform's OpenID configuration could not be read")
    needed = ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"]
    missing = [k for k in needed if not isinstance(config.get(k), str)]
    if missing:
        raise LtiError(400, "Registration failed", f"the platform's OpenID configuration lacks {', '.join(missing)}")
    if urlsplit(config["issuer"]).netloc != urlsplit(openid_configuration).netloc:
        raise LtiError(400, "Registration failed", "the platform's issuer is not on the host of its OpenID configuration")
    try:
        answer = http.post(config["registration_endpoint"], json=tool_configuration(public_url), headers={
            "Accept": "application/json", **({"Authorization": f"Bearer {registration_token}"} if registration_token else {})})
        registered = answer.json() if answer.status_code in (200, 201) else None
    except (httpx.HTTPError, ValueError):
        registered = None
    if not isinstance(registered, dict) or not isinstance(registered.get("client_id"), str):
        raise LtiError(400, "Registration failed", "the platform did not accept the tool's registration")
    tool_conf = registered.get("https://purl.imsglobal.org/spec/lti-tool-configuration")
    deployment = tool_conf.get("deployment_id") if isinstance(tool_conf, dict) else None
    platform_conf = config.get("https://purl.imsglobal.org/spec/lti-platform-configuration")
    family = platform_conf.get("product_family_code") if isinstance(platform_conf, dict) else None
    used = session.execute(update(LtiRegistrationCode).where(LtiRegistrationCode.code_hash == row.code_hash,
                                                             LtiRegistrationCode.used_at.is_(None)).values(used_at=now))
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise LtiError(403, "Registration not allowed", "this registration URL was already used")
    audience = config.get("authorization_server") if isinstance(config.get("authorization_server"), str) else None
    extra = origin(openid_configuration)
    return register(session, name=str(family or urlsplit(config["issuer"]).netloc)[:200], issuer=config["issuer"],
                    client_id=registered["client_id"], auth_login_url=config["authorization_endpoint"],
                    auth_token_url=config["token_endpoint"], jwks_url=config["jwks_uri"],
                    deployments=[str(deployment)] if deployment else [], now=now, token_audience=audience,
                    frame=[extra] if extra else [])
