"""Calls to the platform's LTI Advantage services: OAuth 2 token, AGS scores and line items, NRPS roster.

- Token (Security Framework 4.1, RFC 7523): ``client_credentials`` with a JWT client
  assertion the tool signs (``iss`` = ``sub`` = client id, ``aud`` = the token endpoint or
  the platform's stated audience, a fresh ``jti``, five minutes to live). Tokens are cached
  per platform and scope set until shortly before they expire.
- Scores (AGS 2.0 3.4): ``POST <lineitem>/scores`` as ``application/vnd.ims.lis.v1.score+json``.
  The ``/scores`` segment goes into the line item URL's *path*, before any query string
  (Moodle's line items carry ``?type_id=``).
- Roster (NRPS 2.0): ``GET`` the memberships URL and follow ``Link: <...>; rel="next"``.

Every failure becomes a :class:`ServiceError` that says whether a retry can help
(network errors, 408, 429, 5xx) or not (the platform refused the request).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from . import claims as c

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_PAGES = 200
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class ServiceError(Exception):
    def __init__(self, message: str, retry: bool, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class PlatformInfo:
    """What a service call needs of a platform (a plain copy: safe to use outside a database session)."""

    id: int
    issuer: str
    client_id: str
    token_url: str
    token_audience: str | None


def scores_url(lineitem_url: str) -> str:
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _fail(what: str, response: httpx.Response) -> ServiceError:
    text = response.text[:300].replace("\n", " ")
    return ServiceError(f"{what}: HTTP {response.status_code} {text}".strip(), response.status_code in RETRYABLE,
                        response.status_code, _retry_after(response))


def _send(http: httpx.Client, what: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise ServiceError(f"{what}: {type(exc).__name__} {exc}"[:500], retry=True) from None


class TokenCache:
    """Access tokens per (platform, scopes), shared by the threads of one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._tokens: dict[tuple[int, str], tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, http: httpx.Client, platform: PlatformInfo, scopes: tuple[str, ...],
            sign: Callable[[dict[str, Any]], str]) -> str:
        key = (platform.id, " ".join(sorted(scopes)))
        with self._lock:
            cached = self._tokens.get(key)
        if cached is not None and cached[1] > self._clock():
            return cached[0]
        now = int(time.time())
        assertion = sign({"iss": platform.client_id, "sub": platform.client_id,
                          "aud": platform.token_audience or platform.token_url,
                          "iat": now, "exp": now + 300, "jti": secrets.token_urlsafe(24)})
        response = _send(http, "token request", "POST", platform.token_url, data={
            "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion, "scope": key[1]}, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise _fail("token request", response)
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise ServiceError("token request: the platform's answer has no access_token", retry=True) from None
        with self._lock:
            self._tokens[key] = (token, self._clock() + max(0.0, lifetime - 60))
        return token

    def drop(self, platform_id: int) -> None:
        with self._lock:
            for key in [k for k in self._tokens if k[0] == platform_id]:
                del self._tokens[key]


def post_score(http: httpx.Client, lineitem_url: str, payload: dict[str, Any], token: str) -> httpx.Response:
    """POST one score; returns the response when the platform took it (2xx), else :class:`ServiceError`."""
    response = _send(http, "score", "POST", scores_url(lineitem_url), json=payload,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": c.SCORE_MEDIA_TYPE})
    if not 200 <= response.status_code < 300:
        raise _fail("score", response)
    return response


def find_or_create_lineitem(http: httpx.Client, lineitems_url: str, token: str, resource_link_id: str,
                            quiz_id: str, label: str, maximum: float) -> str:
    """The line item for this resource link (AGS 3.2): the existing one, else a new one the tool creates."""
    auth = {"Authorization": f"Bearer {token}"}
    response = _send(http, "line items", "GET", lineitems_url, params={"resource_link_id": resource_link_id},
                     headers={**auth, "Accept": c.LINEITEMS_MEDIA_TYPE})
    if response.status_code == 200:
        try:
            for item in response.json():
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    return item["id"]
        except ValueError:
            pass
    elif response.status_code not in (404,):
        raise _fail("line items", response)
    response = _send(http, "line item", "POST", lineitems_url, json={
        "scoreMaximum": maximum, "label": label, "resourceLinkId": resource_link_id, "resourceId": quiz_id,
        "tag": "quizlib"}, headers={**auth, "Content-Type": c.LINEITEM_MEDIA_TYPE, "Accept": c.LINEITEM_MEDIA_TYPE})
    if response.status_code not in (200, 201):
        raise _fail("line item", response)
    try:
        return str(response.json()["id"])
    except (ValueError, KeyError, TypeError):
        raise ServiceError("line item: the platform's answer has no id", retry=False) from None


def members(http: httpx.Client, url: str, token: str) -> list[dict[str, Any]]:
    """Every member of a course from NRPS, following the ``next`` links (bounded)."""
    out: list[dict[str, Any]] = []
    next_url: str | None = url
    for _ in range(MAX_PAGES):
        if next_url is None:
            return out
        response = _send(http, "roster", "GET", next_url,
                         headers={"Authorization": f"Bearer {token}", "Accept": c.MEMBERSHIP_MEDIA_TYPE})
        if response.status_code != 200:
            raise _fail("roster", response)
        try:
            page = response.json()
            out.extend(m for m in page["members"] if isinstance(m, dict))
        except (ValueError, KeyError, TypeError):
            raise ServiceError("roster: the platform's answer is not a membership container", retry=False) from None
        next_url = response.links.get("next", {}).get("url")
    raise ServiceError(f"roster: more than {MAX_PAGES} pages", retry=False)
