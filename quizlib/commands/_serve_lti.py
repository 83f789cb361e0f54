"""``quizlib serve lti ...``: register LMS platforms, rotate the tool's keys, watch and send grade posts.

    quizlib serve lti config                    # the URLs to give the LMS
    quizlib serve lti register --name Moodle --issuer https://moodle.example.edu --client-id abc \\
        --auth-url https://moodle.example.edu/mod/lti/auth.php \\
        --token-url https://moodle.example.edu/mod/lti/token.php \\
        --jwks-url https://moodle.example.edu/mod/lti/certs.php --deployment 1
    quizlib serve lti registration-url          # a one-time LTI Dynamic Registration URL
    quizlib serve lti grades                    # scores not yet in the LMS gradebook
    quizlib serve lti keys --rotate             # new signing key (the old one stays published a week)

Like the other ``serve`` actions they work on the database directly (``--db``), no server needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from ..server.settings import Settings

LTI_ACTIONS = ("config", "register", "deployment", "platforms", "registration-url", "keys", "grades", "send", "retry", "roster")


def add_parser(actions: argparse._SubParsersAction, db_option: Any) -> None:
    lti = actions.add_parser("lti", help="LTI 1.3: register LMS platforms, keys, grade posts to the LMS, roster sync",
                             description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    db_option(lti, argparse.SUPPRESS)
    lti.add_argument("--public-url", metavar="URL", default=argparse.SUPPRESS,
                     help="this server's public URL (default: $QUIZLIB_PUBLIC_URL)")
    sub = lti.add_subparsers(dest="lti_action", metavar="LTI_ACTION", required=True)

    sub.add_parser("config", help="print the tool's URLs to enter in the LMS (login, launch, JWKS, Canvas JSON)")

    r = sub.add_parser("register", help="register a platform by hand (values from the LMS's tool settings)")
    r.add_argument("--name", required=True, help="a name for people, e.g. 'Canvas (university)'")
    r.add_argument("--issuer", required=True, help="the platform's issuer (iss)")
    r.add_argument("--client-id", required=True, help="the client id the LMS gave this tool")
    r.add_argument("--auth-url", required=True, help="the platform's OIDC authentication request URL")
    r.add_argument("--token-url", required=True, help="the platform's OAuth 2 access token URL")
    r.add_argument("--jwks-url", required=True, help="the platform's public keyset URL")
    r.add_argument("--deployment", action="append", default=[], metavar="ID", help="a deployment id (repeatable)")
    r.add_argument("--token-audience", help="aud for the tool's token requests, if not the token URL")
    r.add_argument("--frame-origin", action="append", default=[], metavar="ORIGIN",
                   help="an origin whose pages show the tool in a frame, e.g. https://school.instructure.com (repeatable)")

    d = sub.add_parser("deployment", help="allow launches from another deployment of a registered platform")
    d.add_argument("platform", type=int, help="platform number (see `lti platforms`)")
    d.add_argument("deployment_id")

    sub.add_parser("platforms", help="list registered platforms and their deployments")

    u = sub.add_parser("registration-url", help="print a one-time URL for LTI Dynamic Registration")
    u.add_argument("--hours", type=float, default=24.0, help="how long the URL stays valid (default: 24)")

    k = sub.add_parser("keys", help="list the tool's signing keys; --rotate starts a new one")
    k.add_argument("--rotate", action="store_true", help="sign with a new key from now on")
    k.add_argument("--keep-days", type=float, default=7.0, help="days the old key stays published (default: 7)")

    g = sub.add_parser("grades", help="scores waiting to reach the LMS (pending or failed)")
    g.add_argument("--all", action="store_true", help="also list scores already sent")
    g.add_argument("--json", action="store_true", help="print JSON instead of a table")

    sub.add_parser("send", help="send due scores now (the running server also does this by itself)")
    rt = sub.add_parser("retry", help="queue failed scores again once their cause is fixed (see `lti grades`)")
    rt.add_argument("post", type=int, nargs="*", help="score numbers from `lti grades` (default: every failed one)")
    ro = sub.add_parser("roster", help="sync course rosters from the LMS (Names and Role Provisioning Services)")
    ro.add_argument("course", type=int, nargs="?", help="course number (default: every course with a roster service)")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..server.db import Database
    from ..server.lti.errors import LtiError

    db = Database(settings.database_url)
    db.migrate()
    try:
        return _RUN[args.lti_action](args, settings, db)
    except LtiError as exc:
        Console(stderr=True, highlight=False).print(f"[red]error:[/] {exc.title}: {exc.detail}", soft_wrap=True)
        return 1
    finally:
        db.dispose()


def _config(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.launch import tool_urls

    urls = tool_urls(settings.public_url)
    table = Table("what", "value", title="this tool, as the LMS needs it")
    for label, key in (("Tool URL / target link URI / redirection URI", "launch"), ("Initiate login URL", "login"),
                       ("Public keyset (JWKS) URL", "jwks"), ("Canvas JSON configuration URL", "config"),
                       ("Domain", "domain")):
        table.add_row(label, urls[key])
    Console(highlight=False).print(table)
    if settings.public_url.startswith("http://127.0.0.1"):
        Console(stderr=True).print("[yellow]note:[/] set --public-url (or QUIZLIB_PUBLIC_URL) to the address the LMS reaches")
    return 0


def _register(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.registration import register

    with db.write() as s:
        platform = register(s, name=args.name, issuer=args.issuer, client_id=args.client_id, auth_login_url=args.auth_url,
                            auth_token_url=args.token_url, jwks_url=args.jwks_url, deployments=args.deployment,
                            now=_now(), token_audience=args.token_audience, frame=args.frame_origin)
        number, deployments = platform.id, [d.deployment_id for d in platform.deployments]
    print(f"platform {number} registered: {args.name} ({args.issuer}, client {args.client_id}); "
          f"deployments: {', '.join(deployments) or 'none yet (add with `quizlib serve lti deployment`)'}")
    return 0


def _deployment(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.errors import LtiError
    from ..server.lti.registration import add_deployment
    from ..server.lti.tables import LtiPlatform

    with db.write() as s:
        platform = s.get(LtiPlatform, args.platform)
        if platform is None:
            raise LtiError(404, "No such platform", f"no platform {args.platform} (see `quizlib serve lti platforms`)")
        add_deployment(s, platform, args.deployment_id, _now())
    print(f"deployment {args.deployment_id} added to platform {args.platform}")
    return 0


def _platforms(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.registration import frame_origins, platforms

    table = Table("#", "name", "issuer", "client id", "deployments", "frame origins", title="registered platforms")
    with db.read() as s:
        for p in platforms(s):
            table.add_row(str(p.id), p.name, p.issuer, p.client_id, ", ".join(d.deployment_id for d in p.deployments),
                          " ".join(sorted(frame_origins(p))))
    Console(highlight=False).print(table)
    return 0


def _registration_url(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.launch import tool_urls
    from ..server.lti.registration import new_code

    with db.write() as s:
        code = new_code(s, _now(), args.hours)
    Console(stderr=True).print(f"one-time dynamic registration URL (valid {args.hours:g} h; paste it into the LMS):")
    print(f"{tool_urls(settings.public_url)['register']}?code={code}")
    return 0


def _keys(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti import keys

    now = _now()
    with db.write() as s:
        if args.rotate:
            new, old = keys.rotate(s, now, args.keep_days)
            Console(stderr=True).print(f"signing with key {new}; {len(old)} older key(s) stay published for {args.keep_days:g} day(s)")
        else:
            keys.active_key(s, now)
        table = Table("kid", "created", "status", title="the tool's keys (JWKS)")
        for row in keys.published(s, now):
            status = "signing" if row.retired_at is None else f"retired, published until {row.expires_at:%Y-%m-%d %H:%M}"
            table.add_row(row.kid, f"{row.created_at:%Y-%m-%d %H:%M}", status)
    Console(highlight=False).print(table)
    return 0


def _grades(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.outbox import listing

    with db.read() as s:
        rows = listing(s, everything=args.all)
    if args.json:
        json.dump(rows, sys.stdout, default=str, indent=1)
        print()
        return 0
    table = Table("#", "quiz", "student", "attempt", "rev", "why", "status", "tries", "next try", "score", "last error",
                  title="scores for the LMS" + ("" if args.all else " not yet delivered"))
    if not rows:
        Console(stderr=True).print("nothing waiting: every score has reached the LMS")
        return 0
    for r in rows:
        table.add_row(str(r["id"]), str(r["quiz"]), r["student"], str(r["attempt"]), str(r["revision"]), r["reason"],
                      r["status"], str(r["tries"]), f"{r['due_at']:%Y-%m-%d %H:%M:%S}" if r["status"] == "pending" else "",
                      "" if r["score"] is None else f"{r['score']:g}", (r["error"] or "")[:80])
    Console(highlight=False).print(table)
    return 0


def _delivery(settings: Settings) -> Any:
    import httpx

    from ..server.lti.outbox import Delivery

    return Delivery(httpx.Client(timeout=20.0), base=settings.lti_retry_base_seconds, cap=settings.lti_retry_max_seconds,
                    max_tries=settings.lti_max_tries, grace=settings.grace_seconds)


def _send(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.outbox import deliver_due
    from ..server.lti.worker import finalize_overdue

    delivery = _delivery(settings)
    now = _now()
    finalized = finalize_overdue(db, now, settings.grace_seconds)
    counts = deliver_due(db, delivery, now, limit=1000)
    delivery.http.close()
    print(f"{finalized} overdue attempt(s) finalised; " +
          (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no score was due"))
    return 1 if counts.get("failed") else 0


def _retry(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.outbox import retry_failed

    counts = retry_failed(db, _now(), ids=args.post or None)
    print(f"{counts.get('requeued', 0)} failed score(s) queued again (the server sends them within a minute, "
          f"or run `lti send`); {counts.get('superseded', 0)} left out because a newer score replaces them")
    return 0


def _roster(args: argparse.Namespace, settings: Settings, db: Any) -> int:
    from ..server.lti.roster import contexts, sync
    from ..server.lti.services import ServiceError

    with db.read() as s:
        targets = [(c.id, c.title or c.context_id) for c in contexts(s) if args.course in (None, c.id) and c.memberships_url]
    if not targets:
        Console(stderr=True).print("no course with a roster service: an instructor's launch from the LMS records the course")
        return 1
    delivery, failed = _delivery(settings), 0
    for pk, title in targets:
        try:
            r = sync(db, delivery, pk, _now())
            print(f"course {pk} ({title}): {r.learners} learner(s), {r.instructors} instructor(s), {r.inactive} inactive")
        except ServiceError as exc:
            failed += 1
            Console(stderr=True, highlight=False).print(f"[red]course {pk} ({title}):[/] {exc}", soft_wrap=True)
    delivery.http.close()
    return 1 if failed else 0


_RUN = {"config": _config, "register": _register, "deployment": _deployment, "platforms": _platforms,
        "registration-url": _registration_url, "keys": _keys, "grades": _grades, "send": _send, "retry": _retry, "roster": _roster}
