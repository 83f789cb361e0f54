"""``quizlib serve``: run the grading service, and manage it from the shell.

The subcommands work on the database directly (``--db`` or ``QUIZLIB_DATABASE_URL``),
so they need no running server; the same operations exist over HTTP for remote use.
The service's library lives in :mod:`quizlib.server`; this module only parses arguments.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the server extra is optional: imported lazily at run time
    from ..server.db import Database
    from ..server.settings import Settings

ACTIONS = ("roster", "publish", "gradebook", "items", "token", "revoke", "view-link", "lti")

#: What ``quizlib serve --help`` prints: plain text (the module docstring is Sphinx markup).
DESCRIPTION = """\
Run the grading service, and manage it from the shell.

  quizlib serve --init                  create the database, print an instructor token
  quizlib serve roster students.csv -o tokens.csv --book-url https://course.example.org/book/graded.html
  quizlib serve publish pools/03-instruments/01-attaches.yml --id attaches-quiz
  quizlib serve --host 127.0.0.1 --port 8000 --workers 2
  quizlib serve gradebook attaches-quiz -o gradebook.csv
  quizlib serve view-link attaches-quiz  a link that opens the quiz's reports in a browser
  quizlib serve lti config              LTI 1.3: the URLs for Canvas or Moodle (and lti register, grades...)

The actions work on the database directly (--db or QUIZLIB_DATABASE_URL), so they
need no running server; the same operations exist over HTTP (quizlib/server/API.md).
"""


def _db_option(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument("--db", metavar="URL", default=default,
                   help="database URL: sqlite:///file.db (default: $QUIZLIB_DATABASE_URL or sqlite:///quizlib-service.db) "
                        "or postgresql://user:password@host/dbname")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("serve", help="run the grading service (graded quizzes, keys kept on the server)",
                       description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    _db_option(p, None)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=int, default=1, help="server processes (default: 1)")
    p.add_argument("--init", action="store_true",
                   help="create or upgrade the database, print a new instructor token (revoking earlier ones), and exit")
    p.add_argument("--cors", metavar="ORIGIN", action="append", default=None,
                   help="origin allowed to call the API from a browser, e.g. https://course.example.org (repeatable)")
    p.add_argument("--public-url", metavar="URL", help="URL students use to reach this server (for sign-in links)")
    p.add_argument("--book-url", metavar="URL",
                   help="the book page holding the graded quiz: sign-in links open it (pages are under book/ "
                        "in the built site, e.g. https://course.example.org/book/graded.html)")
    p.add_argument("--forwarded-allow-ips", metavar="IPS", default=None,
                   help="behind a reverse proxy: the proxies' addresses (comma-separated, or '*') whose "
                        "X-Forwarded-For and X-Forwarded-Proto headers are trusted, so failed sign-ins are counted "
                        "per real client (default: $FORWARDED_ALLOW_IPS, else 127.0.0.1)")
    p.add_argument("--access-log", action="store_true",
                   help="log every request (tokens in URLs are written as token=[redacted])")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=False,
                               title="offline actions (on the database, no server needed)")

    r = actions.add_parser("roster", help="import a roster CSV; print or write the new students' tokens")
    _db_option(r, argparse.SUPPRESS)
    r.add_argument("csv", type=Path, help="CSV with a student_id column, optional name and email")
    r.add_argument("-o", "--output", type=Path, help="write student_id,name,token,link here (tokens are shown only once)")
    r.add_argument("--partial", action="store_true", help="import the good rows even if some rows are bad")
    r.add_argument("--book-url", metavar="URL", default=argparse.SUPPRESS,
                   help="the book page holding the graded quiz (sign-in links open it), "
                        "e.g. https://course.example.org/book/graded.html")
    r.add_argument("--public-url", metavar="URL", default=argparse.SUPPRESS, help="this server's URL (links to /signin)")

    pub = actions.add_parser("publish", help="publish a quiz from bank files (or a blueprint)")
    _db_option(pub, argparse.SUPPRESS)
    pub.add_argument("banks", nargs="+", type=Path, help="bank files (or folders of them)")
    pub.add_argument("--id", required=True, help="quiz id, e.g. midterm-2026 (used in the widget's configuration)")
    pub.add_argument("--title", help="title shown to students (default: the bank's title)")
    pub.add_argument("--questions", help="comma-separated question ids to ask (default: all)")
    pub.add_argument("--blueprint", type=Path, help="draw each student's questions with this blueprint")
    pub.add_argument("--opens", help="opening time, ISO 8601 (e.g. 2026-12-01T09:00Z; no zone = local time)")
    pub.add_argument("--closes", help="closing time, ISO 8601")
    pub.add_argument("--time-limit", type=float, metavar="MINUTES", help="time limit per attempt")
    pub.add_argument("--attempts", type=int, metavar="N", help="attempts allowed per student (default: unlimited)")
    pub.add_argument("--feedback", choices=["immediate", "after_close"], default="immediate",
                     help="when students see scores and feedback (default: immediate)")
    pub.add_argument("--no-shuffle", action="store_true", help="same question order for everyone")
    pub.add_argument("--allow-public-keys", action="store_true",
                     help="publish questions whose key is public (practice banks the book renders, or pool questions "
                          "repeating one); each is warned about. Without it they are refused.")

    g = actions.add_parser("gradebook", help="write a quiz's gradebook CSV")
    _db_option(g, argparse.SUPPRESS)
    g.add_argument("quiz", help="quiz id")
    g.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    it = actions.add_parser("items", help="write a quiz's item analysis CSV")
    _db_option(it, argparse.SUPPRESS)
    it.add_argument("quiz", help="quiz id")
    it.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    t = actions.add_parser("token", help="revoke a student's tokens and print a new sign-in link")
    _db_option(t, argparse.SUPPRESS)
    t.add_argument("student", help="student id")
    t.add_argument("--book-url", metavar="URL", default=argparse.SUPPRESS,
                   help="the book page holding the graded quiz, e.g. https://course.example.org/book/graded.html "
                        "(default: this server's sign-in page, which lists the student's quizzes)")
    t.add_argument("--public-url", metavar="URL", default=argparse.SUPPRESS, help="this server's URL (links to /signin)")

    vl = actions.add_parser("view-link", help="print a read-only link that opens a quiz's reports in a browser")
    _db_option(vl, argparse.SUPPRESS)
    vl.add_argument("quiz", help="quiz id")
    vl.add_argument("--minutes", type=float, help="how long the link works (default: 60, or $QUIZLIB_VIEW_MINUTES)")
    vl.add_argument("--public-url", metavar="URL", default=argparse.SUPPRESS, help="this server's URL")

    v = actions.add_parser("revoke", help="revoke every token of a student")
    _db_option(v, argparse.SUPPRESS)
    v.add_argument("student", help="student id")

    from ._serve_lti import add_parser as add_lti  # LTI 1.3 actions: quizlib serve lti ...

    add_lti(actions, _db_option)
    return p


def _settings(args: argparse.Namespace) -> Settings:
    from ..server.settings import Settings

    return Settings.from_env(
        database_url=args.db,
        cors_origins=tuple(args.cors) if getattr(args, "cors", None) else None,
        public_url=getattr(args, "public_url", None),
        book_url=getattr(args, "book_url", None),
    )


def _when(text: str | None) -> datetime | None:
    """ISO 8601; a time without a zone is taken as this machine's local time."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SystemExit(f"error: '{text}' is not an ISO 8601 time (e.g. 2026-12-01T09:00Z)") from None
    return value.astimezone(timezone.utc) if value.tzinfo else value.astimezone().astimezone(timezone.utc)


def run(args: argparse.Namespace) -> int:
    try:
        from ..server.errors import ApiError
    except ImportError as exc:  # the optional 'server' extra is not installed
        Console(stderr=True).print(f"[red]error:[/] the grading service needs quizlib's server extra "
                                   f"(pip install 'quizlib[server]'): {exc}")
        return 1
    err = Console(stderr=True, highlight=False)
    try:
        settings = _settings(args)
        if args.action:
            return _ACTIONS[args.action](args, settings)
        if args.init:
            return _init(settings)
        return _serve(args, settings)
    except ApiError as exc:
        err.print(f"[red]error:[/] {exc.message}", soft_wrap=True)
        for d in exc.details[:50]:
            err.print(f"  {d}", soft_wrap=True, markup=False)
        return 1


def _database(settings: Settings) -> Database:
    from ..server.db import Database

    db = Database(settings.database_url)
    db.migrate()
    return db


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _init(settings: Settings) -> int:
    from ..server.admin import create_instructor_token

    from ..server.security import link_expiry

    db = _database(settings)
    now = _now()
    with db.write() as s:
        token = create_instructor_token(s, now, expires_at=link_expiry(settings, now))
    console = Console(highlight=False)
    console.print(f"database ready: {settings.database_url}")
    console.print("instructor token (shown once; earlier ones are revoked; keep it secret):")
    print(token)
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    _database(settings).dispose()  # migrate once here, so the worker processes never race to do it
    os.environ.update(settings.to_env())
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        Console(stderr=True).print("[yellow]note:[/] listening beyond this machine: put the service behind HTTPS "
                                   "(a reverse proxy), since tokens travel in every request")
    from ..server import listen
    from ..server.logs import uvicorn_log_config

    listen.run(uvicorn.Config("quizlib.server.app:app_from_env", factory=True, host=args.host, port=args.port,
                              workers=max(1, args.workers), access_log=args.access_log, log_level="info",
                              proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips,
                              log_config=uvicorn_log_config()))
    return 0


def _roster(args: argparse.Namespace, settings: Settings) -> int:
    from ..server.admin import import_roster

    err = Console(stderr=True, highlight=False)
    try:
        text = args.csv.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/] cannot read {args.csv}: {exc}")
        return 1
    from ..server.security import link_expiry

    base = _link_base(settings, err)
    db = _database(settings)
    now = _now()
    with db.write() as s:
        result = import_roster(s, text, now, base, partial=args.partial, expires_at=link_expiry(settings, now))
    for e in result.errors:
        err.print(f"{args.csv}:{e['line']}: {e['message']}", soft_wrap=True, markup=False)
    if result.errors and not args.partial:
        err.print(f"[red]{len(result.errors)} bad row(s); nothing imported[/] (fix them, or use --partial)")
        return 1
    if args.output and result.tokens:
        with args.output.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["student_id", "name", "token", "link"])
            for t in result.tokens:
                w.writerow([t.student_id, t.name, t.token, t.link])
        os.chmod(args.output, 0o600)
    elif result.tokens:
        table = Table("student", "name", "sign-in link", title="new tokens (shown once)")
        for t in result.tokens:
            table.add_row(t.student_id, t.name, t.link)
        Console(highlight=False).print(table)
    summary = (f"{result.created} new, {result.updated} updated, {result.unchanged} unchanged, "
               f"{result.rejected} rejected")
    if result.ignored_columns:
        summary += f"; ignored columns: {', '.join(result.ignored_columns)}"
    if args.output and result.tokens:
        summary += f"; tokens written to {args.output}"
    err.print(summary, soft_wrap=True, markup=False)
    return 1 if result.errors else 0


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    from ..loader import iter_bank_files
    from ..server.admin import QuizRules, check_public_keys, parse_banks, publish
    from ..server.api_instructor import quiz_summary
    from ._banks import practice_banks

    files = list(iter_bank_files(args.banks))
    texts = []
    for f in files:
        try:
            texts.append(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            Console(stderr=True).print(f"[red]error:[/] cannot read {f}: {exc}")
            return 1
    banks = parse_banks(texts, [str(f) for f in files])
    blueprint = None
    if args.blueprint:
        from ..server.blueprints import parse_blueprint_text

        blueprint = parse_blueprint_text(args.blueprint.read_text(encoding="utf-8"), str(args.blueprint))
    try:
        rules = QuizRules(title=args.title, opens_at=_when(args.opens), closes_at=_when(args.closes),
                          time_limit_minutes=args.time_limit, max_attempts=args.attempts, feedback=args.feedback,
                          shuffle_questions=not args.no_shuffle)
    except ValueError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}", markup=False)
        return 1
    questions = [q.strip() for q in args.questions.split(",") if q.strip()] if args.questions else None
    err = Console(stderr=True, highlight=False)
    practice, practice_folder = practice_banks(files)
    for warning in check_public_keys(banks, args.allow_public_keys, practice, questions, files, practice_folder):
        err.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
    db = _database(settings)
    now = _now()
    with db.write() as s:
        summary = quiz_summary(publish(s, args.id, banks, rules, now, questions, blueprint), now)
    table = Table(show_header=False, title=f"published quiz {args.id}")
    for k, v in summary.items():
        table.add_row(k, "" if v is None else str(v))
    Console(highlight=False).print(table)
    return 0


def _write(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _gradebook(args: argparse.Namespace, settings: Settings) -> int:
    from ..server.reports import gradebook_csv, load_class

    _write(gradebook_csv(load_class(_database(settings), args.quiz, _now(), settings.grace_seconds)), args.output)
    return 0


def _items(args: argparse.Namespace, settings: Settings) -> int:
    from ..server.reports import items_csv, load_class

    _write(items_csv(load_class(_database(settings), args.quiz, _now(), settings.grace_seconds)), args.output)
    return 0


def _link_base(settings: Settings, err: Console) -> str:
    """Where sign-in links lead: the book page (checked against the local build), or this server's /signin."""
    if not settings.book_url:
        return f"{settings.public_url}/signin"
    from ..server.book_links import check_book_url

    for warning in check_book_url(settings.book_url):
        err.print(f"[yellow]warning:[/] {warning}", soft_wrap=True, highlight=False)
    return settings.book_url


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from ..server.admin import reissue_token
    from ..server.security import link_expiry

    err = Console(stderr=True, highlight=False)
    base = _link_base(settings, err)
    now = _now()
    with _database(settings).write() as s:
        issued = reissue_token(s, args.student, now, base, link_expiry(settings, now))
    err.print(f"new sign-in link for {issued.student_id} (older links revoked):")
    print(issued.link)
    return 0


def _view_link(args: argparse.Namespace, settings: Settings) -> int:
    from ..server.admin import create_view_link
    from ..server.clock import iso

    minutes = args.minutes if args.minutes is not None else settings.view_minutes
    if not 0 < minutes <= 7 * 24 * 60:
        Console(stderr=True).print("[red]error:[/] --minutes must be between 0 and 10080 (a week)")
        return 2
    with _database(settings).write() as s:
        url, expires = create_view_link(s, args.quiz, _now(), minutes, settings.public_url)
    Console(stderr=True, highlight=False).print(f"read-only link to the reports of {args.quiz}, valid until "
                                                f"{iso(expires)} (keep it private):")
    print(url)
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    from ..server.admin import find_student, revoke_student_tokens

    with _database(settings).write() as s:
        n = revoke_student_tokens(s, find_student(s, args.student), _now())
    Console(highlight=False).print(f"revoked {n} token(s) of {args.student}")
    return 0


def _lti(args: argparse.Namespace, settings: Settings) -> int:
    from ._serve_lti import run as run_lti

    return run_lti(args, settings)


_ACTIONS = {"roster": _roster, "publish": _publish, "gradebook": _gradebook, "items": _items,
            "token": _token, "revoke": _revoke, "view-link": _view_link, "lti": _lti}
