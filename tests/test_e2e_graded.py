"""A graded quiz end to end: a real `quizlib serve` process, a book page in graded mode,
a student in headless Chromium, and the instructor's gradebook."""

from __future__ import annotations

import csv
import io
import shutil

import httpx
import pytest

from quizlib.server.process import ServiceProcess, free_port

from .browser import axe_violations, serve
from .conftest import FIXTURES
from .sphinx_build import Build

pytestmark = pytest.mark.browser

INSTRUCTOR = "instructor-secret-for-tests"
BANK = FIXTURES / "banks" / "all-types.yml"
# Strings only the answer key holds: none may reach the page before the student submits.
KEY_STRINGS = ["Yes, RIMPAC is biennial.", "RIMPAC is held in even-numbered years.", "Right; it is biennial.",
               "Malabar began in 1992.", "data-key", "1949"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory, chromium_browser):
    tmp = tmp_path_factory.mktemp("graded")
    book_port = free_port()
    book_origin = f"http://127.0.0.1:{book_port}"
    service = ServiceProcess(f"sqlite:///{tmp / 'service.db'}", tmp / "service.log",
                             env={"QUIZLIB_INSTRUCTOR_TOKEN": INSTRUCTOR, "QUIZLIB_CORS_ORIGINS": book_origin})
    service.start()
    try:
        admin = httpx.Client(base_url=f"{service.base_url}/api/v1/instructor",
                             headers={"Authorization": f"Bearer {INSTRUCTOR}"}, timeout=30)
        r = admin.post("/roster", content="student_id,name\ns1001,Ada Lovelace\n", headers={"Content-Type": "text/csv"})
        assert r.status_code in (200, 201), r.text
        token = r.json()["tokens"][0]["token"]
        r = admin.post("/quizzes", json={"id": "fixture-graded", "title": "Fixture graded quiz", "allow_public_keys": True,
                                         "banks": [BANK.read_text()], "feedback": "immediate", "max_attempts": 1})
        assert r.status_code == 201, r.text

        src = tmp / "book"
        shutil.copytree(FIXTURES / "sphinx_book", src)
        (src / "graded.md").write_text("# Graded quiz\n\n```{graded-quiz} fixture-graded\n```\n")
        (src / "index.md").write_text((src / "index.md").read_text().replace("review\n", "review\ngraded\n"))
        (src / "conf.py").write_text((src / "conf.py").read_text() + f"quizlib_service_url = {service.base_url!r}\n")
        _, warnings, code = Build(src).run()
        assert code == 0, warnings
        with serve(src / "_build" / "html", port=book_port) as url:
            yield {"url": url, "token": token, "admin": admin, "html": (src / "_build/html/graded.html").read_text()}
    finally:
        service.stop()


def test_graded_page_holds_no_answers(setup):
    for secret in KEY_STRINGS:
        assert secret not in setup["html"]
    assert 'class="qz-g"' in setup["html"] and "quizlib-graded.js" in setup["html"]


def choose(page, qtext: str, option_text: str) -> None:
    fs = page.locator("fieldset.qz-q", has_text=qtext)
    fs.locator("label", has_text=option_text).locator("input").check()


def test_student_answers_submits_sees_score_and_instructor_exports_it(setup, chromium_browser):
    context = chromium_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{setup['url']}/graded.html?token={setup['token']}")
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_selector("fieldset.qz-q")
    assert "token=" not in page.url  # the secret leaves the address bar (and history)
    assert page.locator("fieldset.qz-q").count() == 10
    assert axe_violations(page, "section.qz-g") == []
    for secret in KEY_STRINGS[:4]:
        assert secret not in page.content()

    choose(page, "held every two years near Hawaii", "RIMPAC")
    choose(page, "RIMPAC is held every year", "False")
    page.wait_for_selector("text=Answers saved at")

    page.reload()  # the token is remembered, the attempt resumes with its autosaved answers
    page.get_by_role("button", name="Resume attempt").click()
    page.wait_for_selector("fieldset.qz-q")
    fs = page.locator("fieldset.qz-q", has_text="held every two years near Hawaii")
    assert fs.locator("label", has_text="RIMPAC").locator("input").is_checked()

    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit now").click()
    score = page.locator(".qz-score")
    score.wait_for()
    shown = float(score.inner_text().split()[1])
    # Our two answers are right; untouched ordering questions are unanswered (the order shown is not an answer).
    assert shown == 2 and " of 11 points (" in score.inner_text()
    verdicts = page.locator(".qz-res .qz-v").all_inner_texts()
    assert sum("✓ correct" in v for v in verdicts) >= 2
    assert "Yes, RIMPAC is biennial." in page.content()  # feedback released after the only attempt (immediate)
    assert errors == []
    context.close()

    r = setup["admin"].get("/quizzes/fixture-graded/gradebook.csv")
    assert r.status_code == 200, r.text
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert round(float(rows["s1001"]["score"]), 2) == shown and float(rows["s1001"]["max"]) == 11


def test_no_token_gets_clear_message(setup, chromium_browser):
    context = chromium_browser.new_context()
    page = context.new_page()
    page.goto(f"{setup['url']}/graded.html")
    assert "personal sign-in link" in page.locator(".qz-g-body").inner_text()
    context.close()
