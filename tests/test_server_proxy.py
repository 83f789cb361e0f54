"""Behind a reverse proxy: failed sign-ins are counted per real client, and only a trusted proxy says who that is.

Every request reaches the service from the proxy's address. Unless the service believes the
proxy's ``X-Forwarded-For``, one student's mistyped links would fill the failed-sign-in bucket
of *everyone* (they all share the proxy's address). ``quizlib serve --forwarded-allow-ips``
names the proxies to believe (uvicorn's default: 127.0.0.1, a proxy on the same machine); a
header from anyone else is ignored, so a client cannot pick its own bucket.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from quizlib.server.process import ServiceProcess

BURST = 5


def _failed_sign_ins(base: str, client: str, n: int) -> list[int]:
    return [httpx.get(f"{base}/api/v1/me", timeout=30, headers={"Authorization": "Bearer not-a-token",
                                                                 "X-Forwarded-For": client}).status_code
            for _ in range(n)]


def _server(tmp_path: Path, name: str, *args: str) -> ServiceProcess:
    return ServiceProcess(f"sqlite:///{tmp_path / (name + '.db')}", tmp_path / f"{name}.log", extra_args=list(args),
                          env={"QUIZLIB_FAILED_BURST": str(BURST), "QUIZLIB_FAILED_PER_MINUTE": "0.001"})


def test_a_trusted_proxy_gives_each_client_its_own_failed_sign_in_bucket(tmp_path: Path) -> None:
    with _server(tmp_path, "trusting", "--forwarded-allow-ips", "127.0.0.1") as server:
        assert _failed_sign_ins(server.base_url, "198.51.100.1", BURST + 2) == [401] * BURST + [429, 429]
        assert _failed_sign_ins(server.base_url, "198.51.100.2", 1) == [401]  # another student is not locked out


def test_forwarded_headers_from_an_untrusted_address_are_ignored(tmp_path: Path) -> None:
    with _server(tmp_path, "distrusting", "--forwarded-allow-ips", "192.0.2.10") as server:
        assert _failed_sign_ins(server.base_url, "198.51.100.1", BURST) == [401] * BURST
        # The header is not believed: the same (real) address, whatever it claims.
        assert _failed_sign_ins(server.base_url, "198.51.100.2", 1) == [429]
