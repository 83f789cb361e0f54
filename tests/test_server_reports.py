"""Instructor reports read a snapshot and never block students' writes.

A report (``report.html``, ``items.html``, ``gradebook.csv``...) used to be built inside the
write transaction, holding SQLite's writer lock (and, on PostgreSQL, the row locks of the
attempts it finalised) while matplotlib drew its plots: every autosave waited for it. These
tests hold a report open in the middle of its work, in a server thread, and show that
students' writes commit meanwhile, on SQLite and on PostgreSQL. The reports' results are
unchanged (tests/test_server_admin.py checks them); an expired attempt counts with its
autosaved answers, exactly as when it was submitted in the database first.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from typing import Any, Callable

import pytest
from sqlalchemy import select, text

import quizlib.grade.outputs
import quizlib.stats.analysis
from quizlib.server import reports
from quizlib.server.models import Attempt, Student
from tests.fixtures.server.harness import Service, service  # noqa: F401

HOLD_SECONDS = 20.0
"""How long a held report waits for the test to release it (the test fails long before that)."""
WRITE_WITHIN = 5.0
"""A write that has not committed within this while a report is held counts as blocked."""


def _class(service: Service) -> dict[str, Any]:
    """A timed quiz: Ann submitted; Cat's attempt ran out with saved answers (nothing has touched it since,
    so a report submits it); Bob started later and is working."""
    service.roster("ann", "bob", "cat")
    service.publish("timed", time_limit_minutes=5)
    ann = service.start("ann", "timed")
    assert service.submit("ann", ann["id"], service.key_answers(ann["id"])).status_code == 200
    cat = service.start("cat", "timed")
    r = service.client.put(f"/api/v1/attempts/{cat['id']}/answers", json={"answers": service.key_answers(cat["id"])},
                           headers=service.as_student("cat"))
    assert r.status_code == 200, r.text
    service.clock.advance(minutes=30)
    bob = service.start("bob", "timed")
    return {"bob": bob, "cat": cat}


def _held(original: Callable[..., Any], entered: threading.Event, release: threading.Event) -> Callable[..., Any]:
    def slow(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(HOLD_SECONDS)
        return original(*args, **kwargs)
    return slow


def _while_held(service: Service, url: str, entered: threading.Event, release: threading.Event,
                during: Callable[[], None]) -> str:
    """GET ``url`` as the instructor in a thread; once it is held, run ``during``; then release it."""
    got: dict[str, Any] = {}

    def fetch() -> None:
        got["r"] = service.client.get(url, headers=service.instructor())

    report = threading.Thread(target=fetch)
    report.start()
    try:
        assert entered.wait(15), "the report never reached the held step"
        during()
    finally:
        release.set()
        report.join(HOLD_SECONDS + 30)
    assert got["r"].status_code == 200, got["r"].text
    return got["r"].text


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``call`` in a thread; (its result or None, seconds) with at most WRITE_WITHIN seconds waited."""
    out: dict[str, Any] = {}
    t0 = time.monotonic()
    worker = threading.Thread(target=lambda: out.update(r=call()), daemon=True)
    worker.start()
    worker.join(WRITE_WITHIN)
    return out.get("r"), time.monotonic() - t0


# (report, the step of its rendering that is held): ``analyse`` is quizlib stats's analysis (the item
# report and the plots are drawn from it); ``gradebook_rows`` writes quizlib grade's gradebook.
RENDER_STEPS = [
    ("report.html", quizlib.stats.analysis, "analyse"),
    ("items.html", quizlib.stats.analysis, "analyse"),
    ("gradebook.csv", quizlib.grade.outputs, "gradebook_rows"),
]


@pytest.mark.parametrize("page,module,step", RENDER_STEPS, ids=[p for p, _, _ in RENDER_STEPS])
def test_a_report_being_rendered_does_not_block_students(service: Service, monkeypatch: pytest.MonkeyPatch,
                                                        page: str, module: Any, step: str) -> None:
    people = _class(service)
    entered, release = threading.Event(), threading.Event()
    monkeypatch.setattr(module, step, _held(getattr(module, step), entered, release))
    bob, cat = people["bob"], people["cat"]

    def students_write() -> None:
        save, took = _timed(lambda: service.client.put(
            f"/api/v1/attempts/{bob['id']}/answers", json={"answers": {}, "seq": 7}, headers=service.as_student("bob")))
        assert save is not None, f"Bob's autosave waited {took:.1f} s for the report being rendered"
        assert save.status_code == 200, save.text
        # Cat reads her expired attempt: that submits it (a write on the attempt the report also submits).
        view, took = _timed(lambda: service.client.get(f"/api/v1/attempts/{cat['id']}", headers=service.as_student("cat")))
        assert view is not None, f"Cat's read waited {took:.1f} s for the report being rendered"
        assert view.status_code == 200 and view.json()["status"] == "submitted"
        assert not release.is_set()  # all of it while the report was still held

    body = _while_held(service, f"/api/v1/instructor/quizzes/timed/{page}", entered, release, students_write)
    assert body
    with service.db.read() as s:
        saved = s.get(Attempt, bob["id"])
        assert saved is not None and saved.answers_seq == 7


@pytest.mark.parametrize("page", ["report.html", "gradebook.csv"])
def test_a_report_holding_its_snapshot_open_does_not_block_students(service: Service, monkeypatch: pytest.MonkeyPatch,
                                                                    page: str) -> None:
    """Held *inside* its read transaction (before rendering), a report still lets every write through:
    SQLite's WAL readers do not block its writer, and a PostgreSQL snapshot takes no lock a write needs."""
    people = _class(service)
    entered, release = threading.Event(), threading.Event()
    monkeypatch.setattr(reports, "read_class", _held(reports.read_class, entered, release))
    bob = people["bob"]

    def students_write() -> None:
        for seq in (1, 2, 3):
            save, took = _timed(lambda: service.client.put(
                f"/api/v1/attempts/{bob['id']}/answers", json={"answers": {}, "seq": seq}, headers=service.as_student("bob")))
            assert save is not None, f"autosave {seq} waited {took:.1f} s for an open report snapshot"
            assert save.status_code == 200, save.text
        assert not release.is_set()

    _while_held(service, f"/api/v1/instructor/quizzes/timed/{page}", entered, release, students_write)


def test_reports_count_expired_attempts_as_submitted_and_store_them(service: Service) -> None:
    """Cat's expired attempt counts with her autosaved answers (full marks), as before; and the report submits
    it in the database too, with the same score, so later reads and the LMS agree with what the report showed."""
    people = _class(service)
    cat = people["cat"]
    r = service.client.get("/api/v1/instructor/quizzes/timed/gradebook.csv", headers=service.instructor())
    assert r.status_code == 200, r.text
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert rows["cat"]["score"] != "" and float(rows["cat"]["score"]) == float(rows["cat"]["max"]) > 0
    assert float(rows["ann"]["score"]) == float(rows["ann"]["max"])
    assert rows["bob"]["score"] == ""  # working: nothing submitted yet
    with service.db.read() as s:
        stored = s.get(Attempt, cat["id"])
        assert stored is not None and stored.auto_submitted and stored.submitted_at == stored.deadline_at
        assert stored.score == float(rows["cat"]["score"])
    attempts = service.client.get("/api/v1/instructor/quizzes/timed/attempts", headers=service.instructor()).json()
    assert [(a["student_id"], a["status"], a["auto_submitted"]) for a in attempts] == [
        ("ann", "submitted", False), ("bob", "in_progress", False), ("cat", "submitted", True)]
    again = service.client.get("/api/v1/instructor/quizzes/timed/gradebook.csv", headers=service.instructor())
    assert again.text == r.text


def test_the_attempt_list_shows_and_stores_expired_attempts_as_submitted(service: Service) -> None:
    people = _class(service)
    listed = service.client.get("/api/v1/instructor/quizzes/timed/attempts", headers=service.instructor()).json()
    [cat] = [a for a in listed if a["student_id"] == "cat"]
    assert cat["status"] == "submitted" and cat["auto_submitted"] and cat["score"] == cat["max_score"]
    with service.db.read() as s:
        stored = s.get(Attempt, people["cat"]["id"])
        assert stored is not None and stored.auto_submitted and stored.score == cat["score"]


def test_a_snapshot_is_read_only_and_consistent(service: Service) -> None:
    service.roster("ann")
    db = service.db
    with db.snapshot() as s:
        before = s.execute(select(Student.name)).scalar_one()
        with db.write() as w:  # a write commits while the snapshot is open (it does not wait for it)...
            w.execute(select(Student)).scalar_one().name = "Renamed"
        assert s.execute(select(Student.name)).scalar_one() == before  # ...and the snapshot does not see it
        if not db.is_sqlite:
            assert s.execute(text("SHOW transaction_isolation")).scalar_one() == "repeatable read"
            assert s.execute(text("SHOW transaction_read_only")).scalar_one() == "on"
        s.execute(select(Student)).scalar_one().name = "Changed in a snapshot"
        with pytest.raises(RuntimeError, match="read-only"):
            s.flush()
    with db.read() as s:
        assert s.execute(select(Student.name)).scalar_one() == "Renamed"
