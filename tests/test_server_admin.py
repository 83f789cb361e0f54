"""Instructor side: roster import (every bad row reported with its line), publishing, gradebook,
item analysis, and the ``quizlib serve`` offline commands."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from quizlib.cli import main as cli
from quizlib.loader import load_bank
from quizlib.server.admin import parse_roster
from quizlib.server.db import Database
from quizlib.server.models import Quiz
from tests.fixtures.server.harness import ALL_TYPES_BANK, SECRET_BANK, Service, service, sqlite_service  # noqa: F401


def test_roster_rows_are_checked_and_located() -> None:
    text = ("\ufeffStudent_ID,Name,Email,Section\n"
            "s1,Ann,ann@example.org,A\n"
            ",Nobody,,A\n"
            "s2,Bob,,B\n"
            "s1,Ann again,,A\n"
            "s3,Too,many,fields,here\n"
            "=cmd,Formula,,A\n"
            "\n"
            "s4,,,C\n")
    rows, errors, ignored = parse_roster(text)
    assert [(r.line, r.student_id, r.name) for r in rows] == [(2, "s1", "Ann"), (4, "s2", "Bob"), (9, "s4", "s4")]
    assert [(e["line"], e["message"]) for e in errors] == [
        (3, "empty student id"),
        (5, "student 's1' already on line 2"),
        (6, "5 fields, the header has 4"),
        (7, "student id '=cmd' starts with '=': spreadsheets would read it as a formula"),
    ]
    assert ignored == ["Section"]
    assert parse_roster("name,email\nAnn,a@b\n")[1][0]["message"].startswith("no student id column")
    assert parse_roster("")[1][0]["line"] == 1


def test_roster_import_is_all_or_nothing_unless_partial(service: Service) -> None:
    c, h = service.client, {**service.instructor(), "Content-Type": "text/csv"}
    bad = "student_id,name\ns1,Ann\n,Nobody\n"
    r = c.post("/api/v1/instructor/roster", content=bad, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_roster"
    assert "line 3" in r.json()["error"]["message"] and "nothing imported" in r.json()["error"]["message"]
    assert c.get("/api/v1/instructor/students", headers=service.instructor()).json() == []
    r = c.post("/api/v1/instructor/roster?partial=true", content=bad, headers=h)
    assert r.status_code == 200 and r.json()["created"] == 1 and r.json()["rejected"] == 1
    # Re-importing updates names and issues no new token for known students.
    r = c.post("/api/v1/instructor/roster", content="student_id,name\ns1,Ann Smith\ns2,Bob\n", headers=h)
    assert (r.json()["created"], r.json()["updated"]) == (1, 1)
    assert [t["student_id"] for t in r.json()["tokens"]] == ["s2"]
    students = c.get("/api/v1/instructor/students", headers=service.instructor()).json()
    assert [(s["student_id"], s["name"], s["active_tokens"]) for s in students] == [("s1", "Ann Smith", 1), ("s2", "Bob", 1)]


def test_publish_refuses_bad_banks_and_rules_with_located_messages(service: Service) -> None:
    c, h = service.client, service.instructor()
    good = SECRET_BANK.read_text(encoding="utf-8")
    broken = good.replace("type: single", "type: singel", 1)
    r = c.post("/api/v1/instructor/quizzes", json={"id": "q", "banks": [broken]}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_bank"
    detail = r.json()["error"]["details"][0]
    assert detail["file"] == "banks[0]" and detail["line"] == good.splitlines().index("    type: single") + 1
    assert "did you mean 'single'" in detail["message"]
    cases = [
        ({"questions": ["nope"]}, "unknown question 'nope'"),
        ({"feedback": "after_close"}, "needs a closes_at"),
        ({"opens_at": "2026-03-03T00:00:00Z", "closes_at": "2026-03-02T00:00:00Z"}, "closes_at must be after opens_at"),
        ({"opens_at": "2026-03-03T00:00:00"}, "timezone"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"time_limit_minutes": -5}, "time_limit_minutes"),
        ({"id": "bad id!"}, "id"),
    ]
    for extra, words in cases:
        r = c.post("/api/v1/instructor/quizzes", json={"id": "q", "banks": [good], **extra}, headers=h)
        assert r.status_code == 422, (extra, r.text)
        assert words in r.json()["error"]["message"], (extra, r.json())
    assert c.post("/api/v1/instructor/quizzes", json={"id": "q", "banks": [good]}, headers=h).status_code == 201
    again = c.post("/api/v1/instructor/quizzes", json={"id": "q", "banks": [good]}, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "quiz_exists"


def test_publish_a_subset_and_the_snapshot_is_frozen(service: Service) -> None:
    summary = service.publish("sub", questions=["s-single", "secret/keys/s-num"], shuffle_questions=False)
    assert summary["questions"] == 2
    service.roster("ann")
    attempt = service.start("ann", "sub")
    assert [q["type"] for q in attempt["questions"]] == ["single", "numeric"]
    with service.db.read() as s:
        quiz = s.get(Quiz, "sub")
        assert [q["gid"] for q in quiz.content["questions"]] == ["secret/keys/s-single", "secret/keys/s-num"]


def test_gradebook_and_item_analysis(service: Service) -> None:
    service.roster("ann", "bob", "cat", "dan")
    service.publish("quiz", max_attempts=2)
    bank = load_bank(SECRET_BANK)
    a1 = service.start("ann", "quiz")
    service.submit("ann", a1["id"], {}, key="first")  # a blank first attempt...
    a2 = service.start("ann", "quiz")
    service.submit("ann", a2["id"], service.key_answers(a2["id"]), key="second")  # ...then full marks: best counts
    b = service.start("bob", "quiz")
    service.submit("bob", b["id"], service.key_answers(b["id"], right=False))
    c = service.start("cat", "quiz")
    half = service.key_answers(c["id"])
    by_type = {q["type"]: q["id"] for q in c["questions"]}
    keep = {by_type["single"], by_type["true_false"], by_type["numeric"]}
    service.submit("cat", c["id"], {k: v for k, v in half.items() if k in keep})
    r = service.client.get("/api/v1/instructor/quizzes/quiz/gradebook.csv", headers=service.instructor())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(r.text)))
    # The same columns as `quizlib grade` writes (written by its own code).
    assert header == ["student", "score", "max", "percent", "section secret/keys score", "section secret/keys max",
                      "objective S1 score", "objective S1 max", "objective S2 score", "objective S2 max"]
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(r.text))}
    full = sum(q.points for q in bank.questions)
    s1 = sum(q.points for q in bank.questions if q.objective == "S1")
    assert float(rows["ann"]["score"]) == full and float(rows["ann"]["percent"]) == 100  # best of her two attempts
    assert float(rows["bob"]["score"]) == 0 and float(rows["bob"]["max"]) == full
    assert float(rows["cat"]["score"]) == 3 and float(rows["cat"]["section secret/keys score"]) == 3
    assert float(rows["cat"]["objective S1 score"]) == 2 and float(rows["cat"]["objective S1 max"]) == s1
    assert float(rows["cat"]["objective S2 score"]) == 1
    assert rows["dan"]["score"] == "" and rows["dan"]["max"] == ""  # nothing submitted is not a zero
    analysis = service.client.get("/api/v1/instructor/quizzes/quiz/items", headers=service.instructor()).json()
    items = {i["gid"]: i for i in analysis["items"]}
    assert analysis["test"]["students"] == 3 and "facility" in analysis["definitions"]
    assert items["secret/keys/s-single"]["n"] == 3
    assert items["secret/keys/s-single"]["facility"] == pytest.approx(2 / 3)  # ann and cat right
    assert items["secret/keys/s-order"]["facility"] == pytest.approx(1 / 3)   # only ann
    chosen = {o["text"]: o["chosen"] for o in items["secret/keys/s-single"]["options"]}
    assert chosen["Bravo choice"] == 2 and sum(chosen.values()) == 3  # distractor analysis from the answers
    csv_items = service.client.get("/api/v1/instructor/quizzes/quiz/items.csv", headers=service.instructor()).text
    assert csv_items.splitlines()[0].startswith("question,type,section,objective,difficulty,n,facility")
    html = service.client.get("/api/v1/instructor/quizzes/quiz/items.html", headers=service.instructor())
    assert html.status_code == 200 and "secret/keys" in html.text
    attempts = service.client.get("/api/v1/instructor/quizzes/quiz/attempts", headers=service.instructor()).json()
    assert sorted((a["student_id"], a["number"]) for a in attempts) == [("ann", 1), ("ann", 2), ("bob", 1), ("cat", 1)]


def test_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert cli(["serve", "--db", url, "--init"]) == 0
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli(["serve", "--db", url, "--init"]) == 0  # again: a new token, the first one revoked
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(token) >= 40 and token != first
    from quizlib.server.security import resolve_token
    from quizlib.server.settings import Settings

    check = Database(url)
    assert resolve_token(check, Settings(database_url=url), first) is None
    assert resolve_token(check, Settings(database_url=url), token).role == "instructor"  # type: ignore[union-attr]
    check.dispose()
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns1,Ann\n,Bad\ns2,Bob\n", encoding="utf-8")
    assert cli(["serve", "roster", str(roster), "--db", url]) == 1  # a bad row: nothing imported
    err = capsys.readouterr().err
    assert f"{roster}:3: empty student id" in err
    out = tmp_path / "tokens.csv"
    assert cli(["serve", "--db", url, "roster", str(roster), "--partial", "-o", str(out),
                "--book-url", "https://book.example.org/quiz.html"]) == 1  # still says rows were rejected
    issued = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["student_id"] for r in issued] == ["s1", "s2"]
    assert issued[0]["link"] == f"https://book.example.org/quiz.html#token={issued[0]['token']}"
    assert (out.stat().st_mode & 0o777) == 0o600
    assert cli(["serve", "publish", str(ALL_TYPES_BANK), "--id", "fx", "--db", url]) == 1  # a practice bank: refused
    assert "have a public key" in capsys.readouterr().err
    assert cli(["serve", "publish", str(ALL_TYPES_BANK), "--id", "fx", "--db", url, "--allow-public-keys", "--time-limit", "20",
                "--closes", "2030-01-01T12:00Z", "--feedback", "after_close", "--attempts", "2"]) == 0
    db = Database(url)
    with db.read() as s:
        quiz = s.get(Quiz, "fx")
        assert (quiz.time_limit_seconds, quiz.max_attempts, quiz.feedback) == (1200, 2, "after_close")
        assert quiz.closes_at.isoformat() == "2030-01-01T12:00:00+00:00"
    db.dispose()
    capsys.readouterr()
    book = tmp_path / "gradebook.csv"
    assert cli(["serve", "gradebook", "fx", "--db", url, "-o", str(book)]) == 0
    assert [r["student"] for r in csv.DictReader(book.open(encoding="utf-8"))] == ["s1", "s2"]
    assert cli(["serve", "revoke", "s1", "--db", url]) == 0
    assert "revoked 1 token(s) of s1" in capsys.readouterr().out
    assert cli(["serve", "token", "s1", "--db", url]) == 0
    assert cli(["serve", "token", "nobody", "--db", url]) == 1
    assert cli(["serve", "publish", str(ALL_TYPES_BANK), "--id", "fx", "--db", url, "--allow-public-keys"]) == 1  # id taken
    assert "already published" in capsys.readouterr().err
