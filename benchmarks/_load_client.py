"""The load generator of ``bench_server_load.py``: one process sending a fixed schedule of requests.

Run as ``python benchmarks/_load_client.py`` with a JSON plan on stdin; prints a JSON result.
It is kept lean so that it is not the bottleneck on a 2-core machine shared with the server:
HTTP/1.1 written and parsed by hand over asyncio streams with kept-alive connections (httpx
costs about 1 ms of client CPU per request, as much as the trivial endpoint costs the server).

Open loop: every request has a *scheduled* send time, and its latency counts from that time,
so a server that falls behind shows its queue in the latency instead of slowing the senders.
A student's requests still go one after another (a browser tab saves one sheet at a time and
needs its attempt id before saving): a request whose predecessor is late waits for it, and
that wait counts in its latency. ``lag`` is how late the sender woke up for each scheduled
request: if it grows, the client (not the server) is saturated.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

TIMEOUT = 30.0
MAX_CONNECTIONS = 512
MAX_SAMPLES = 8
IDLE_SECONDS = 3.0
"""Connections idle longer are not reused: uvicorn closes kept-alive connections after 5 s."""


class HttpError(Exception):
    pass


class Pool:
    """Kept-alive HTTP/1.1 connections to one server, opened on demand, at most ``limit`` at once."""

    def __init__(self, host: str, port: int, limit: int = MAX_CONNECTIONS) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.gate = asyncio.Semaphore(limit)

    def _reusable(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        while self.idle:
            since, reader, writer = self.idle.pop()
            if time.monotonic() - since < IDLE_SECONDS:
                return reader, writer
            writer.close()
        return None

    async def request(self, method: str, path: str, headers: str, body: bytes) -> tuple[int, bytes]:
        async with self.gate:
            conn = self._reusable()
            if conn is not None:
                try:
                    return self._keep(conn, await _roundtrip(conn, self.host, method, path, headers, body))
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    conn[1].close()
                    # The server closed this idle connection as we reused it (nothing was answered):
                    # retry once on a new one, as browsers and HTTP libraries do.
                    if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                        raise
                except BaseException:
                    conn[1].close()
                    raise
            conn = await asyncio.open_connection(self.host, self.port)
            try:
                return self._keep(conn, await _roundtrip(conn, self.host, method, path, headers, body))
            except BaseException:
                conn[1].close()
                raise

    def _keep(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter],
              answer: tuple[int, bytes, bool]) -> tuple[int, bytes]:
        status, data, keep = answer
        if keep:
            self.idle.append((time.monotonic(), *conn))
        else:
            conn[1].close()
        return status, data

    def close(self) -> None:
        for _, _, writer in self.idle:
            writer.close()


async def _roundtrip(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], host: str, method: str, path: str,
                     headers: str, body: bytes) -> tuple[int, bytes, bool]:
    reader, writer = conn
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode()
                 + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked, keep = 0, False, True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            keep = False
    if not chunked:
        return status, await reader.readexactly(length), keep
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        parts.append(await reader.readexactly(size + 2))
        if size == 0:
            return status, b"".join(p[:-2] for p in parts), keep


def answer_for(q: dict[str, Any], step: int) -> Any:
    """A plausible answer that changes as the student works (every kind of question)."""
    kind = q["type"]
    if kind == "single":
        return q["options"][step % len(q["options"])]["id"]
    if kind == "multiple":
        return [o["id"] for o in q["options"][: 1 + step % len(q["options"])]]
    if kind == "true_false":
        return step % 2 == 0
    if kind == "short":
        return f"answer draft {step}"
    if kind == "numeric":
        return 1900 + step
    if kind == "matching":
        return {left["id"]: q["right"][(i + step) % len(q["right"])]["id"] for i, left in enumerate(q["left"])}
    return [i["id"] for i in q["items"]][::-1 if step % 2 else 1]


class Student:
    def __init__(self, token: str, pool: Pool) -> None:
        self.auth = f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        self.pool = pool
        self.turn = asyncio.Lock()  # FIFO: this student's requests in schedule order, one at a time
        self.attempt: int | None = None
        self.questions: list[dict[str, Any]] = []
        self.answers: dict[str, Any] = {}
        self.failed = False


TRIVIAL_BODY = json.dumps({"answers": {"q1": "o2", "q2": ["o1", "o3"], "q3": True, "q4": "answer draft 3",
                                       "q5": 1903, "q6": {"l1": "r2", "l2": "r1"}, "q7": ["s3", "s1", "s2"]},
                           "seq": 3}).encode()


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    pools = [Pool(host, int(port)) for host, port in (base.rsplit(":", 1) for base in plan["bases"])]
    students = [Student(s["token"], pools[s["base"]]) for s in plan["students"]]
    quiz = plan.get("quiz", "load")
    lat: dict[str, list[float]] = {}
    lag: list[float] = []
    errors: list[str] = []
    acked: dict[int, float] = {}
    first_done = last_done = 0.0

    async def send(t: float, kind: str, pool: Pool, method: str, path: str, headers: str, body: bytes) -> bytes | None:
        nonlocal last_done
        try:
            status, data = await asyncio.wait_for(pool.request(method, path, headers, body), TIMEOUT)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(f"{kind}: {type(exc).__name__} {exc}"[:200])
            return None
        done = time.monotonic()
        last_done = max(last_done, done)
        lat.setdefault(kind, []).append(done - t)
        if status >= 300:
            errors.append(f"{kind}: HTTP {status} {data[:160].decode(errors='replace')}")
            return None
        return data

    async def act(t: float, who: int, kind: str, step: int) -> None:
        if kind == "trivial":
            await send(t, kind, pools[who % len(pools)], "PUT", "/api/v1/trivial", "Content-Type: application/json\r\n",
                       TRIVIAL_BODY)
            return
        s = students[who]
        async with s.turn:
            if s.failed:
                errors.append(f"{kind}: not sent (this student's start failed)")
                return
            if kind == "start":
                data = await send(t, kind, s.pool, "POST", f"/api/v1/quizzes/{quiz}/attempts", s.auth, b"")
                if data is None:
                    s.failed = True
                    return
                attempt = json.loads(data)
                s.attempt, s.questions = attempt["id"], attempt["questions"]
            elif kind == "autosave":
                q = s.questions[step % len(s.questions)]
                s.answers[q["id"]] = answer_for(q, step)
                body = json.dumps({"answers": s.answers, "seq": step}).encode()
                await send(t, kind, s.pool, "PUT", f"/api/v1/attempts/{s.attempt}/answers", s.auth, body)
            else:
                headers = f"{s.auth}Idempotency-Key: bench-{s.attempt}-{who}\r\n"
                data = await send(t, kind, s.pool, "POST", f"/api/v1/attempts/{s.attempt}/submit", headers, b"{}")
                if data is not None:
                    acked[s.attempt or 0] = json.loads(data)["score"]

    # The plan's times are seconds after the wall-clock instant t0 (shared with the other client processes).
    origin = time.monotonic() + (plan["t0"] - time.time())
    cpu0 = os.times()
    tasks = []
    for offset, who, kind, step in plan["events"]:
        t = origin + offset
        delay = t - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        lag.append(time.monotonic() - t)
        tasks.append(asyncio.create_task(act(t, who, kind, step)))
    await asyncio.gather(*tasks)
    cpu1 = os.times()
    for p in pools:
        p.close()
    first_done = origin + plan["events"][0][0] if plan["events"] else 0.0
    return {
        "lat": lat, "lag": lag, "errors": len(errors), "error_samples": errors[:MAX_SAMPLES],
        "acked": {str(k): v for k, v in acked.items()},
        "cpu": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "span": max(0.0, last_done - first_done),
    }


def main() -> None:
    plan = json.load(sys.stdin)
    result = asyncio.run(run(plan))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
