"""Each platform's public keys (JWKS), fetched over HTTPS and cached per process.

A launch names its key by ``kid``. A kid we have not seen means the platform rotated its
keys, so the set is fetched again at once, but at most once per ``REFETCH_SECONDS`` per
URL: a flood of launches with made-up kids costs the platform one request a second. Cached
sets expire after ``TTL_SECONDS`` so a key the platform withdrew stops verifying.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .errors import LtiError

TTL_SECONDS = 3600.0
REFETCH_SECONDS = 1.0
MAX_JWKS_BYTES = 512 * 1024


class PlatformKeys:
    def __init__(self, fetch: Callable[[str], httpx.Response] | None = None, clock: Callable[[], float] = time.monotonic,
                 timeout: float = 10.0) -> None:
        self._fetch = fetch or (lambda url: httpx.get(url, timeout=timeout, follow_redirects=True,
                                                      headers={"Accept": "application/json"}))
        self._clock = clock
        self._cache: dict[str, tuple[KeySet, set[str], float]] = {}
        self._lock = threading.Lock()

    def _load(self, url: str) -> tuple[KeySet, set[str], float]:
        try:
            response = self._fetch(url)
        except httpx.HTTPError as exc:
            raise LtiError(401, "Signature not verifiable",
                           f"the platform's key set at {url} could not be fetched ({type(exc).__name__})") from None
        if response.status_code != 200 or len(response.content) > MAX_JWKS_BYTES:
            raise LtiError(401, "Signature not verifiable",
                           f"the platform's key set at {url} answered {response.status_code}")
        try:
            data = response.json()
            keys = KeySet.import_key_set({"keys": [k for k in data["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"]})
        except (ValueError, KeyError, TypeError, JoseError):
            raise LtiError(401, "Signature not verifiable", f"the platform's key set at {url} is not a JWKS") from None
        kids = {str(k.kid) for k in keys if k.kid}
        entry = (keys, kids, self._clock())
        with self._lock:
            self._cache[url] = entry
        return entry

    def key_set(self, url: str, kid: str) -> KeySet:
        """The platform's key set, holding ``kid`` (refetched if needed); LtiError if the kid is unknown."""
        now = self._clock()
        with self._lock:
            entry = self._cache.get(url)
        if entry is None or now - entry[2] > TTL_SECONDS:
            entry = self._load(url)
        if kid not in entry[1] and now - entry[2] >= REFETCH_SECONDS:
            entry = self._load(url)  # a new kid: the platform may have rotated its keys
        if kid not in entry[1]:
            raise LtiError(401, "Wrong signature", f"no key '{kid[:80]}' in the platform's key set")
        return entry[0]

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
