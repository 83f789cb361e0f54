"""Publishing from a blueprint: each student's questions are drawn by quizlib.forms, deterministically
from (exam id, student id), whatever order students arrive in."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizlib.blueprint import Balance, LocatedBlueprint, parse_blueprint
from quizlib.forms import Drawer, FormSpec
from quizlib.loader import load_banks
from tests.conftest import ROOT
from tests.fixtures.server.harness import Service, sqlite_service  # noqa: F401

MIDTERM = ROOT / "blueprints" / "midterm.yml"
CHAPTERS = sorted(p for p in (ROOT / "pools").glob("0[1-6]-*") if p.is_dir())  # the midterm's chapters 1 to 6


def bank_files() -> list[Path]:
    return sorted(p for c in CHAPTERS for p in c.glob("*.yml"))


def publish_midterm(svc: Service, blueprint_text: str | None = None) -> object:
    body = {"id": "midterm", "banks": [p.read_text(encoding="utf-8") for p in bank_files()],
            "blueprint": blueprint_text or MIDTERM.read_text(encoding="utf-8")}  # secure pools: no public key
    return svc.client.post("/api/v1/instructor/quizzes", json=body, headers=svc.instructor())


@pytest.mark.skipif(not MIDTERM.exists(), reason="blueprints/midterm.yml is not in this checkout")
def test_blueprint_quiz_draws_each_students_form_from_the_blueprint(sqlite_service: Service) -> None:
    svc = sqlite_service
    r = publish_midterm(svc)
    assert r.status_code == 201, r.text
    summary = r.json()
    assert summary["source"] == "blueprint" and summary["questions"] is None and summary["pool"] == sum(len(b.questions) for b in load_banks(CHAPTERS).banks.values())
    assert summary["time_limit_seconds"] == 3600  # from the blueprint, as no time limit was given
    svc.roster("zoe", "ann", "bob")
    forms = {sid: svc.start(sid, "midterm") for sid in ("zoe", "ann", "bob")}
    # What quizlib.forms draws for each student, independently of arrival order.
    located = parse_blueprint(MIDTERM.read_text(encoding="utf-8"), str(MIDTERM))
    located = LocatedBlueprint(located.blueprint.model_copy(update={"balance": Balance.independent}),
                               located.file, located.positions)
    drawer = Drawer(located, load_banks(CHAPTERS).banks.values())
    for sid, attempt in forms.items():
        assert len(attempt["questions"]) == 40 and attempt["deadline"] is not None
        assert sum(q["points"] for q in attempt["questions"]) == 40
        expected = [d.candidate.gid for d in drawer.draw_next(FormSpec(f"midterm/{sid}", sid, student_id=sid)).questions]
        with svc.db.read() as s:
            from quizlib.server.models import Attempt

            stored = [q["qid"] for q in s.get(Attempt, attempt["id"]).form["questions"]]
        assert stored == expected
    assert len({tuple(q["prompt_html"] for q in a["questions"]) for a in forms.values()}) == 3
    # Right answers score full marks on a drawn form too.
    aid = forms["ann"]["id"]
    done = svc.submit("ann", aid, svc.key_answers(aid))
    assert done.status_code == 200 and done.json()["score"] == pytest.approx(40)


@pytest.mark.skipif(not MIDTERM.exists(), reason="blueprints/midterm.yml is not in this checkout")
def test_blueprint_errors_are_located(sqlite_service: Service) -> None:
    text = MIDTERM.read_text(encoding="utf-8")
    impossible = text.replace("per_chapter: 7 ", "per_chapter: 500 ")
    assert impossible != text
    r = publish_midterm(sqlite_service, impossible)
    assert r.status_code == 422 and r.json()["error"]["code"] == "blueprint_cannot_be_met"
    line = next(i for i, l in enumerate(impossible.splitlines(), 1) if "per_chapter: 500" in l)
    assert r.json()["error"]["details"][0]["line"] == line
    r = publish_midterm(sqlite_service, text.replace("exam_id:", "exam_idd:"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_blueprint"
    assert any("did you mean 'exam_id'" in d["message"] for d in r.json()["error"]["details"])
