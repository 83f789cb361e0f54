"""``quizlib serve --workers N`` answers kept-alive requests without Nagle's 40 ms stall (issue 17).

uvicorn binds the shared socket of ``--workers`` itself with protocol 0, and asyncio only sets
``TCP_NODELAY`` on accepted sockets whose protocol is TCP (uvicorn issue 3149): each response,
written as a header and a body, then waits for the client's delayed ACK, ~40 ms on Linux.
The consumer-side check is the latency a kept-alive client sees; the socket option itself is
checked on the listening socket ``quizlib serve`` hands to uvicorn (accepted sockets inherit it).
"""

from __future__ import annotations

import socket
import statistics
import time
from pathlib import Path

import httpx
import pytest

from quizlib.server.listen import tcp_listener
from quizlib.server.process import ServiceProcess


@pytest.mark.parametrize("workers", [1, 2])
def test_kept_alive_requests_are_not_delayed_by_nagle(workers: int, tmp_path: Path) -> None:
    with ServiceProcess(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "server.log", workers=workers) as server:
        with httpx.Client(base_url=server.base_url, timeout=10) as client:  # one kept-alive connection
            for _ in range(5):
                client.get("/api/health")  # warm every worker
            times = []
            for _ in range(40):
                t = time.perf_counter()
                response = client.get("/api/health")
                times.append(time.perf_counter() - t)
                assert response.status_code == 200
                assert response.headers.get("connection", "keep-alive") != "close"
    median_ms = 1000 * statistics.median(times)
    # The bug gives >= 40 ms per request (the delayed ACK); a health check takes ~1-3 ms here.
    assert median_ms < 20, f"median {median_ms:.1f} ms per kept-alive request with --workers {workers}"


def test_the_listening_socket_gives_accepted_connections_tcp_nodelay() -> None:
    listener = tcp_listener("127.0.0.1", 0)
    try:
        assert listener.proto == socket.IPPROTO_TCP
        listener.listen()
        client = socket.create_connection(listener.getsockname()[:2])
        accepted, _ = listener.accept()
        with client, accepted:
            # asyncio's transports set TCP_NODELAY on accepted sockets of protocol TCP; this is the
            # property they test (base_events._set_nodelay), and the listener's option is inherited too.
            assert accepted.proto == socket.IPPROTO_TCP
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
