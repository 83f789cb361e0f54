"""What LTI costs the grading service, measured in one run (in-process app, SQLite on disk).

    .venv/bin/python benchmarks/bench_lti.py [--launches 200] [--saves 300]

1. A whole learner launch (``POST /lti/launch``: state and nonce consumed, RS256 signature
   checked against the cached platform key set, user, course and link recorded, a
   sign-in token issued), median ms, against an autosave measured in the same run.
2. The outbox hook (``before_flush``) on the hot path: autosave and submit medians with the
   hook attached and detached, as a ratio. The hook must cost autosaves nothing measurable:
   it returns at once for an attempt that is not submitted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import jwt as pyjwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from _machine import machine  # noqa: E402
from quizlib.server.lti import claims, outbox  # noqa: E402
from quizlib.server.lti.platform_keys import PlatformKeys  # noqa: E402
from quizlib.server.lti.registration import register  # noqa: E402
from tests.fixtures.server.harness import make_service  # noqa: E402

ISS, CID = "https://lms.example.edu", "bench-client"


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--launches", type=int, default=200)
    ap.add_argument("--saves", type=int, default=300)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    tmp = Path(tempfile.mkdtemp())
    svc = make_service(f"sqlite:///{tmp / 'bench.db'}", lti_worker_seconds=0)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [{**json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": "k1",
                      "alg": "RS256", "use": "sig"}]}
    svc.app.state.lti_platform_keys = PlatformKeys(fetch=lambda url: httpx.Response(200, json=jwks))
    with svc.db.write() as s:
        register(s, name="LMS", issuer=ISS, client_id=CID, auth_login_url=f"{ISS}/auth", auth_token_url=f"{ISS}/token",
                 jwks_url=f"{ISS}/jwks", deployments=["d1"], now=svc.clock())
    svc.publish("q1", max_attempts=1000)
    target = f"{svc.settings.public_url}/lti/launch"

    def launch(sub: str) -> tuple[float, str]:
        login = svc.client.get("/lti/login", params={"iss": ISS, "login_hint": sub, "target_link_uri": target,
                                                     "client_id": CID}, follow_redirects=False)
        q = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["location"]).query).items()}
        now = int(svc.clock().timestamp())
        token = pyjwt.encode({
            "iss": ISS, "aud": CID, "sub": sub, "iat": now, "exp": now + 300, "nonce": q["nonce"], "name": sub,
            claims.MESSAGE_TYPE: claims.RESOURCE_LINK_REQUEST, claims.VERSION: "1.3.0", claims.DEPLOYMENT_ID: "d1",
            claims.TARGET_LINK_URI: target, claims.ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            claims.RESOURCE_LINK: {"id": "rl"}, claims.CONTEXT: {"id": "c"}, claims.CUSTOM: {"quiz_id": "q1"},
            claims.AGS_ENDPOINT: {"lineitem": f"{ISS}/li/1", "scope": [claims.SCOPE_SCORE]},
        }, key, algorithm="RS256", headers={"kid": "k1"})
        started = time.perf_counter()
        r = svc.client.post("/lti/launch", data={"id_token": token, "state": q["state"]}, follow_redirects=False)
        took = time.perf_counter() - started
        assert r.status_code == 303, r.text
        link = parse_qs(urlsplit(r.headers["location"]).fragment)["token"][0]
        session = svc.client.post("/api/v1/session", headers={"Authorization": f"Bearer {link}"})  # as the page does
        assert session.status_code == 201, session.text
        return took, session.json()["token"]

    launches, tokens = [], []
    for i in range(args.launches):
        took, token = launch(f"learner-{i}")
        launches.append(took)
        tokens.append(token)

    # Hook attached and detached in alternation, so both see the same database size and machine load.
    timings: dict[bool, tuple[list[float], list[float]]] = {True: ([], []), False: ([], [])}
    for n in range(2 * args.saves):
        hooked = n % 2 == 0
        if not hooked:
            event.remove(Session, "before_flush", outbox._queue_on_flush)
        h = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        attempt = svc.client.post("/api/v1/quizzes/q1/attempts", headers=h).json()
        started = time.perf_counter()
        r = svc.client.put(f"/api/v1/attempts/{attempt['id']}/answers", json={"answers": {}}, headers=h)
        timings[hooked][0].append(time.perf_counter() - started)
        assert r.status_code == 200, r.text
        started = time.perf_counter()
        r = svc.client.post(f"/api/v1/attempts/{attempt['id']}/submit", json={}, headers={**h, "Idempotency-Key": f"k{n}"})
        timings[hooked][1].append(time.perf_counter() - started)
        assert r.status_code == 200, r.text
        if not hooked:
            event.listen(Session, "before_flush", outbox._queue_on_flush)
    with_hook, without_hook = timings[True], timings[False]
    svc.close()

    print(f"learner launch (validate, record, sign in), {args.launches} launches: median {ms(launches)}; "
          f"autosave in the same run: {ms(with_hook[0])}; ratio {statistics.median(launches) / statistics.median(with_hook[0]):.1f}x")
    for label, i in (("autosave", 0), ("submit (queues a score)", 1)):
        a, b = statistics.median(with_hook[i]), statistics.median(without_hook[i])
        print(f"{label}: with the outbox hook {a * 1000:.2f} ms, without {b * 1000:.2f} ms, ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
