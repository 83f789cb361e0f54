"""Instructor operations, shared by the HTTP API and the ``quizlib serve`` subcommands.

- roster import (CSV) -> students, each with a fresh token and sign-in link (shown once)
- token reissue and revocation
- publishing a quiz from bank files (or a blueprint) with its rules
- the instructor token made by ``quizlib serve --init``
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..loader import BankLoadError, parse_bank
from ..models import ID_PATTERN, Bank
from .attempts import AFTER_CLOSE, IMMEDIATE, deadline_for, finalize_expired
from .errors import ApiError
from .models import Attempt, Quiz, Student, Token
from .quizzes import SnapshotError, content_hash, load_content, snapshot
from .security import LINK, SESSION, VIEW, Principal, issue_token
from .student_forms import unfair_questions
from .text import PlainText, plain_problem

MAX_STUDENT_ID = 120
MAX_NAME = 300
_ID_COLUMNS = ("student_id", "student", "id", "username", "login")


@dataclass
class RosterRow:
    line: int
    student_id: str
    name: str
    email: str | None


@dataclass
class IssuedToken:
    student_id: str
    name: str
    token: str
    link: str


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    tokens: list[IssuedToken] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected,
            "errors": self.errors, "ignored_columns": self.ignored_columns,
            "tokens": [t.__dict__ for t in self.tokens],
        }


def sign_in_link(base: str, token: str) -> str:
    """``base#token=...``: the book's page (or this server's /signin) with the token in the *fragment*.

    Browsers never send a fragment to a server, so the token appears in no request
    line (the book host's access log), no Referer header and no proxy log; the
    page's script reads it, exchanges it for a session and removes it from the address.
    """
    return f"{base.split('#', 1)[0]}#{urlencode({'token': token})}"


def parse_roster(text: str, source: str = "roster") -> tuple[list[RosterRow], list[dict[str, Any]], list[str]]:
    """Rows, errors (each with its line number), and columns we do not use.

    Columns: ``student_id`` (also accepted: student, id, username, login), ``name``
    (optional; defaults to the id), ``email`` (optional). Other columns, common in
    LMS exports, are ignored and listed.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    errors: list[dict[str, Any]] = []
    try:
        header = next(reader)
    except StopIteration:
        return [], [{"line": 1, "message": f"{source} is empty: expected a header line with a student_id column"}], []
    except csv.Error as exc:
        return [], [{"line": 1, "message": f"unreadable CSV header: {exc}"}], []
    names = [h.strip().lower() for h in header]
    id_col = next((names.index(c) for c in _ID_COLUMNS if c in names), None)
    if id_col is None:
        return [], [{"line": 1, "message": f"no student id column; the header needs one of: {', '.join(_ID_COLUMNS)}"}], []
    name_col = names.index("name") if "name" in names else None
    email_col = names.index("email") if "email" in names else None
    used = {id_col, name_col, email_col}
    ignored = [header[i].strip() for i in range(len(header)) if i not in used and header[i].strip()]
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append({"line": reader.line_num, "message": f"unreadable CSV: {exc}"})
            break
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            errors.append({"line": line, "message": f"{len(record)} fields, the header has {len(header)}"})
            continue
        sid = record[id_col].strip()
        name = record[name_col].strip() if name_col is not None else ""
        email = record[email_col].strip() if email_col is not None else ""
        if not sid:
            errors.append({"line": line, "message": "empty student id"})
        elif len(sid) > MAX_STUDENT_ID or not sid.isprintable():
            errors.append({"line": line, "message": f"student id must be 1 to {MAX_STUDENT_ID} printable characters"})
        elif sid.startswith(("=", "+", "-", "@")):
            errors.append({"line": line, "message": f"student id '{sid}' starts with {sid[0]!r}: spreadsheets would read it as a formula"})
        elif sid in seen:
            errors.append({"line": line, "message": f"student '{sid}' already on line {seen[sid]}"})
        elif len(name) > MAX_NAME or len(email) > MAX_NAME:
            errors.append({"line": line, "message": f"name and email must be at most {MAX_NAME} characters"})
        elif plain_problem(name) or plain_problem(email):
            what, problem = ("name", plain_problem(name)) if plain_problem(name) else ("email", plain_problem(email))
            errors.append({"line": line, "message": f"{what} {problem}"})
        else:
            seen[sid] = line
            rows.append(RosterRow(line, sid, name or sid, email or None))
    return rows, errors, ignored


def import_roster(session: Session, text: str, now: datetime, link_base: str, partial: bool = False,
                  expires_at: datetime | None = None) -> RosterResult:
    """Add or update students; new students get a token (valid until ``expires_at``).
    With errors and not ``partial``, nothing changes."""
    rows, errors, ignored = parse_roster(text)
    result = RosterResult(errors=errors, rejected=len(errors), ignored_columns=ignored)
    if errors and not partial:
        return result
    existing = {s.student_id: s for s in session.execute(select(Student)).scalars()}
    for row in rows:
        student = existing.get(row.student_id)
        if student is None:
            student = Student(student_id=row.student_id, name=row.name, email=row.email, created_at=now)
            session.add(student)
            session.flush()
            token = issue_token(session, "student", now, student.id, expires_at=expires_at)
            result.tokens.append(IssuedToken(row.student_id, row.name, token, sign_in_link(link_base, token)))
            result.created += 1
        elif (student.name, student.email) != (row.name, row.email):
            student.name, student.email = row.name, row.email
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def find_student(session: Session, student_id: str) -> Student:
    student = session.execute(select(Student).where(Student.student_id == student_id)).scalar_one_or_none()
    if student is None:
        raise ApiError(404, "student_not_found", f"no student '{student_id}' on the roster")
    return student


def revoke_student_tokens(session: Session, student: Student, now: datetime) -> int:
    result = session.execute(
        update(Token).where(Token.student_pk == student.id, Token.revoked_at.is_(None)).values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reissue_token(session: Session, student_id: str, now: datetime, link_base: str,
                  expires_at: datetime | None = None) -> IssuedToken:
    """Revoke the student's tokens (and sessions) and issue a new one (lost link, leaked token, expired link)."""
    student = find_student(session, student_id)
    revoke_student_tokens(session, student, now)
    token = issue_token(session, "student", now, student.id, expires_at=expires_at)
    return IssuedToken(student.student_id, student.name, token, sign_in_link(link_base, token))


def create_instructor_token(session: Session, now: datetime, label: str = "quizlib serve --init",
                            expires_at: datetime | None = None) -> str:
    """A new instructor token; earlier ones stored in the database are revoked (one at a time is in use).
    Read-only view links are instructor tokens of kind ``view`` and are left alone (they expire soon anyway)."""
    session.execute(update(Token).where(Token.role == "instructor", Token.kind == LINK, Token.revoked_at.is_(None))
                    .values(revoked_at=now))
    return issue_token(session, "instructor", now, None, label, expires_at=expires_at)


def create_session(session: Session, principal: Principal, now: datetime, hours: float) -> tuple[str, datetime]:
    """Exchange a student's sign-in link for a session token; (token, expiry). Never outlives the link."""
    if principal.role != "student":
        raise ApiError(403, "forbidden", "only a student's sign-in link starts a session")
    if principal.kind != LINK:
        raise ApiError(403, "forbidden", "a session cannot start another; open your sign-in link again")
    expires = now + timedelta(hours=hours)
    if principal.expires_at is not None:
        expires = min(expires, principal.expires_at)
    token = issue_token(session, "student", now, principal.student_pk, kind=SESSION, expires_at=expires)
    return token, expires


def create_view_link(session: Session, quiz_id: str, now: datetime, minutes: float, public_url: str) -> tuple[str, datetime]:
    """A read-only link to one quiz's reports that works in a browser: (URL, expiry)."""
    if session.get(Quiz, quiz_id) is None:
        raise ApiError(404, "quiz_not_found", f"no quiz '{quiz_id}'")
    expires = now + timedelta(minutes=minutes)
    token = issue_token(session, "instructor", now, None, f"view {quiz_id}", kind=VIEW, scope=quiz_id,
                        expires_at=expires)
    return f"{public_url.rstrip('/')}/view/{quiz_id}/report.html?{urlencode({'token': token})}", expires


#: Times a quiz may name. Far dates are refused: 9999-12-31 plus the grace overflows
#: Python's datetime, and no course needs a quiz outside these two centuries.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
#: Shortest time limit: below a minute a limit is a typo (0.001 minutes used to be stored as no limit).
MIN_TIME_LIMIT_MINUTES = 1.0


class QuizRules(BaseModel):
    """The rules of a published quiz (publish request and later changes)."""

    model_config = ConfigDict(extra="forbid")

    title: PlainText | None = Field(default=None, min_length=1, max_length=300)
    opens_at: AwareDatetime | None = Field(default=None, description="Attempts may start from this time (default: now).")
    closes_at: AwareDatetime | None = Field(default=None, description="No attempt may start or continue after this time.")
    time_limit_minutes: float | None = Field(default=None, ge=MIN_TIME_LIMIT_MINUTES, le=7 * 24 * 60,
                                             description="Minutes per attempt, at least 1.")
    max_attempts: int | None = Field(default=None, ge=1, le=1000, description="Default: unlimited.")
    feedback: Literal["immediate", "after_close"] = IMMEDIATE
    shuffle_questions: bool = True

    @field_validator("opens_at", "closes_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is not None and not EARLIEST <= value < LATEST:
            raise PydanticCustomError("time_range", "must be between {lo} and {hi}",
                                      {"lo": EARLIEST.date().isoformat(), "hi": LATEST.date().isoformat()})
        return value

    @model_validator(mode="after")
    def _coherent(self) -> QuizRules:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


class PublishRequest(QuizRules):
    """Publish a quiz: bank files' YAML text, and optionally which questions (or a blueprint)."""

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    banks: list[str] = Field(min_length=1, max_length=200, description="YAML text of each bank file.")
    questions: list[str] | None = Field(default=None, max_length=1000,
                                        description="Question ids to ask (default: every question of the banks).")
    blueprint: str | None = Field(default=None, description="YAML text of a blueprint (draws per student).")
    allow_public_keys: bool = Field(
        default=False, description="Publish questions from banks not marked 'secure: true' (practice banks, whose "
        "keys the book prints); each is listed in the answer's 'warnings'. Without it they are refused (422).")


def parse_banks(texts: list[str], names: list[str] | None = None) -> list[Bank]:
    """Parse bank texts; every problem in every file is reported (422), located by file and line."""
    banks: list[Bank] = []
    problems: list[dict[str, Any]] = []
    for i, text in enumerate(texts):
        name = names[i] if names else f"banks[{i}]"
        try:
            banks.append(parse_bank(text, name))
        except BankLoadError as exc:
            problems.extend({"file": e.file, "line": e.line, "column": e.column, "field": e.field,
                             "question": e.question_id, "message": e.message} for e in exc.errors)
    if problems:
        first = problems[0]
        raise ApiError(422, "invalid_bank", f"{first['file']}:{first['line']}: {first['message']}", problems)
    return banks


def _rules_to_columns(rules: QuizRules) -> dict[str, Any]:
    return {
        "opens_at": rules.opens_at.astimezone(timezone.utc) if rules.opens_at else None,
        "closes_at": rules.closes_at.astimezone(timezone.utc) if rules.closes_at else None,
        "time_limit_seconds": round(rules.time_limit_minutes * 60) if rules.time_limit_minutes else None,
        "max_attempts": rules.max_attempts,
        "feedback": rules.feedback,
        "shuffle_questions": rules.shuffle_questions,
    }


def _check_policy(feedback: str, closes_at: datetime | None) -> None:
    if feedback == AFTER_CLOSE and closes_at is None:
        raise ApiError(422, "invalid_request", "feedback 'after_close' needs a closes_at time (or results would never be released)")


def check_public_keys(banks: list[Bank], allow: bool, practice: list[Bank] | None = None,
                      questions: list[str] | None = None, files: list[Path] | None = None,
                      practice_folder: Path | None = None) -> list[str]:
    """Refuse (422 ``public_keys``) questions whose key is public, or, when ``allow``, return a warning for each.

    With ``questions`` only those (bare or global ids) are checked: a subset of a bank asks nothing else.
    ``files`` (the banks' files, in order) and ``practice_folder`` let the command also refuse a bank
    marked secure that sits in the public practice folder.
    """
    from ..public_keys import public_keys, refusal

    found = public_keys(list(zip(files, banks)) if files else banks, practice or [], practice_folder)
    if questions:
        wanted = set(questions)
        found = [f for f in found if f.gid in wanted or f.gid.rsplit("/", 1)[-1] in wanted]
    if found and not allow:
        raise ApiError(422, "public_keys", refusal(found, "allow_public_keys"), [str(f) for f in found])
    return [f"question {f}" for f in found]


def publish(session: Session, quiz_id: str, banks: list[Bank], rules: QuizRules, now: datetime,
            questions: list[str] | None = None, blueprint: dict[str, Any] | None = None) -> Quiz:
    """Freeze the questions into a new quiz. A quiz id is used once: publish a new id to change questions.
    Callers check the keys first (:func:`check_public_keys`)."""
    if session.get(Quiz, quiz_id) is not None:
        raise ApiError(409, "quiz_exists", f"a quiz '{quiz_id}' is already published; choose another id")
    columns = _rules_to_columns(rules)
    _check_policy(columns["feedback"], columns["closes_at"])
    if blueprint is not None:
        from .blueprints import check_blueprint

        blueprint = check_blueprint(blueprint, banks)
    try:
        content = snapshot(banks, questions, blueprint)
    except SnapshotError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    unfair = unfair_questions(load_content(content, content_hash(content)))
    if unfair:
        raise ApiError(422, "unfair_question", unfair[0] + (f" (and {len(unfair) - 1} more)" if len(unfair) > 1 else ""),
                       unfair)
    title = rules.title or (blueprint or {}).get("title") or (banks[0].title if len(banks) == 1 else quiz_id)
    if blueprint is not None and columns["time_limit_seconds"] is None and blueprint.get("time_limit_minutes"):
        columns["time_limit_seconds"] = int(blueprint["time_limit_minutes"] * 60)
    quiz = Quiz(id=quiz_id, title=title, source="blueprint" if blueprint else "bank", content=content,
                content_hash=content_hash(content), created_at=now, updated_at=now, **columns)
    session.add(quiz)
    session.flush()
    return quiz


def rules_error(exc: ValidationError) -> ApiError:
    """A 422 naming each rule that is wrong (``time_limit_minutes: ...``), as the request handler does."""
    details = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()]
    first = details[0]
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return ApiError(422, "invalid_request", f"{first['field']}: {first['message']}{more}", details)


def update_rules(session: Session, quiz: Quiz, changes: dict[str, Any], now: datetime, grace: float) -> Quiz:
    """Change a published quiz's times, limits or policy (e.g. extend the close time).

    Attempts in progress get the deadline the new rules give them; the questions never change.
    Attempts whose time had already run out under the old rules are submitted first (with
    their autosaved answers, at their deadline), so extending a quiz never revives them.
    """
    finalize_expired(list(session.execute(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_(None))).scalars()), quiz, now, grace)
    try:
        merged = QuizRules.model_validate({
        "title": quiz.title,
        "opens_at": quiz.opens_at, "closes_at": quiz.closes_at,
        "time_limit_minutes": quiz.time_limit_seconds / 60 if quiz.time_limit_seconds else None,
        "max_attempts": quiz.max_attempts, "feedback": quiz.feedback, "shuffle_questions": quiz.shuffle_questions,
        **changes,
        })
    except ValidationError as exc:
        raise rules_error(exc) from None
    columns = _rules_to_columns(merged)
    _check_policy(columns["feedback"], columns["closes_at"])
    for key, value in columns.items():
        setattr(quiz, key, value)
    quiz.title = merged.title or quiz.title
    quiz.updated_at = now
    if {"closes_at", "time_limit_minutes"} & changes.keys():
        for attempt in session.execute(
            select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_(None))
        ).scalars():
            attempt.deadline_at = deadline_for(quiz, attempt.started_at)
    return quiz


def count_students(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Student)).scalar_one())
