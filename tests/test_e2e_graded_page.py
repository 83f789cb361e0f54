"""The graded page must not lose a student's attempt (issue 12, section 3), in headless Chromium
at desktop (1400 px) and phone (390 px) widths, against a real ``quizlib serve`` process and a
book page built with the course's theme.

Each test failed on the page of the time: Enter in a short-answer box or on a radio button
handed in the whole attempt with no confirmation; results showed no prompt, answer or
correct answer; the countdown scrolled away and was never announced; "Attempts left" read
0 while the only attempt was still in progress. The sign-in tests cover issue 13's service
items: the link ``quizlib serve token`` prints opens the quiz, and leaves no token behind.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys

import httpx
import pytest

from quizlib.server.process import ServiceProcess, free_port

from .browser import axe_violations, serve
from .conftest import FIXTURES
from .sphinx_build import Build

pytestmark = pytest.mark.browser

INSTRUCTOR = "instructor-secret-for-page-tests"
BANK = FIXTURES / "banks" / "all-types.yml"
QUIZZES = {  # quiz id -> rules
    "two-tries": {"max_attempts": 2, "feedback": "immediate"},
    "one-try": {"max_attempts": 1, "feedback": "immediate"},
    "timed": {"time_limit_minutes": 6, "max_attempts": 3},
    "later": {"feedback": "after_close", "closes_at": "2099-01-01T00:00:00Z"},
}
WIDTHS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 800}}
_students = (f"s{i:03d}" for i in itertools.count())


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium_browser):
    tmp = tmp_path_factory.mktemp("graded-page")
    book_port = free_port()
    book_origin = f"http://127.0.0.1:{book_port}"
    service = ServiceProcess(f"sqlite:///{tmp / 'service.db'}", tmp / "service.log",
                             env={"QUIZLIB_INSTRUCTOR_TOKEN": INSTRUCTOR, "QUIZLIB_CORS_ORIGINS": book_origin})
    service.env["QUIZLIB_PUBLIC_URL"] = service.base_url
    service.start()
    try:
        admin = httpx.Client(base_url=f"{service.base_url}/api/v1/instructor",
                             headers={"Authorization": f"Bearer {INSTRUCTOR}"}, timeout=30)
        roster = "student_id,name\n" + "".join(f"s{i:03d},Student {i}\n" for i in range(60))
        r = admin.post("/roster", content=roster, headers={"Content-Type": "text/csv"})
        assert r.status_code == 200, r.text
        tokens = {t["student_id"]: t["token"] for t in r.json()["tokens"]}
        for quiz_id, rules in QUIZZES.items():
            r = admin.post("/quizzes", json={"id": quiz_id, "title": f"Quiz {quiz_id}", "banks": [BANK.read_text()],
                                             "allow_public_keys": True, **rules})
            assert r.status_code == 201, r.text
        src = tmp / "book"
        shutil.copytree(FIXTURES / "sphinx_book", src)
        pages = []
        for quiz_id in QUIZZES:
            (src / f"{quiz_id}.md").write_text(f"# Graded quiz {quiz_id}\n\nSome reading first.\n\n"
                                               f"```{{graded-quiz}} {quiz_id}\n```\n")
            pages.append(quiz_id)
        (src / "index.md").write_text((src / "index.md").read_text().replace("review\n", "review\n" + "\n".join(pages) + "\n"))
        conf = (src / "conf.py").read_text().replace('html_theme = "basic"', 'html_theme = "sphinx_book_theme"')
        (src / "conf.py").write_text(conf + f"quizlib_service_url = {service.base_url!r}\n")
        _, warnings, code = Build(src).run()
        assert code == 0, warnings
        with serve(src / "_build" / "html", port=book_port) as url:
            yield {"url": url, "tokens": tokens, "admin": admin, "service": service, "db": f"sqlite:///{tmp / 'service.db'}",
                   "built": src / "_build" / "html"}
    finally:
        service.stop()


@pytest.fixture(params=list(WIDTHS))
def page(request, chromium_browser):
    context = chromium_browser.new_context(viewport=WIDTHS[request.param])
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    yield page
    assert page.errors == []  # type: ignore[attr-defined]
    context.close()


def open_quiz(page, site, quiz_id: str) -> str:
    """Sign a fresh student in through their link and open the quiz page; returns the student id."""
    sid = next(_students)
    page.goto(f"{site['url']}/{quiz_id}.html#token={site['tokens'][sid]}")
    page.get_by_role("button", name="Start attempt").wait_for()
    return sid


def start(page) -> None:
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_selector("fieldset.qz-q")


def attempts_of(site, quiz_id: str, sid: str) -> list[dict]:
    r = site["admin"].get(f"/quizzes/{quiz_id}/attempts")
    assert r.status_code == 200, r.text
    return [a for a in r.json() if a["student_id"] == sid]


def test_enter_never_submits_the_attempt(page, site) -> None:
    sid = open_quiz(page, site, "one-try")
    start(page)
    short = page.locator("fieldset.qz-q[data-t=short] input[type=text]")
    short.fill("Malabar")
    short.press("Enter")
    radio = page.locator("fieldset.qz-q[data-t=single] input[type=radio]").first
    radio.check()
    radio.press("Enter")
    page.locator("fieldset.qz-q[data-t=numeric] input[type=text]").first.press("Enter")
    page.wait_for_selector("text=Answers saved at")
    assert page.locator("dialog.qz-confirm").count() == 0 and page.locator(".qz-score").count() == 0
    assert page.locator("fieldset.qz-q").count() == 10  # still answering
    [attempt] = attempts_of(site, "one-try", sid)
    assert attempt["status"] == "in_progress" and attempt["submitted_at"] is None


def test_submitting_asks_first_with_unanswered_questions_and_attempts_left(page, site) -> None:
    sid = open_quiz(page, site, "two-tries")
    assert "Attempts left: 2 of 2." in page.locator(".qz-rules").inner_text()
    start(page)
    page.locator("fieldset.qz-q", has_text="held every two years near Hawaii").locator("label", has_text="RIMPAC").click()
    page.locator("fieldset.qz-q", has_text="RIMPAC is held every year").locator("label", has_text="False").click()
    page.wait_for_selector("text=Answers saved at")
    assert page.locator(".qz-count").inner_text() == "8 questions unanswered"
    page.get_by_role("button", name="Submit answers").click()
    dialog = page.get_by_role("dialog", name="Submit your answers?")
    dialog.wait_for()
    text = dialog.inner_text()
    assert "You have not answered 8 of 10 questions." in text
    assert "This is attempt 1 of 2; after it you will have 1 attempt left." in text
    assert axe_violations(page, "dialog.qz-confirm") == []
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    dialog.get_by_role("button", name="Keep answering").click()
    page.wait_for_selector("dialog.qz-confirm", state="detached")
    assert page.locator("fieldset.qz-q").count() == 10
    assert page.evaluate("document.activeElement.textContent") == "Submit answers"  # focus back where it was
    assert attempts_of(site, "two-tries", sid)[0]["status"] == "in_progress"
    # The reload shows the attempt in progress, and counts it correctly.
    page.reload()
    page.get_by_role("button", name="Resume attempt").wait_for()
    assert "Attempt 1 of 2 is in progress; after it, 1 attempt left." in page.locator(".qz-rules").inner_text()
    page.get_by_role("button", name="Resume attempt").click()
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit now").click()
    page.locator(".qz-score").wait_for()
    [attempt] = attempts_of(site, "two-tries", sid)
    assert attempt["status"] == "submitted"
    # One attempt left: the score and the student's answers, but not yet the key.
    assert page.locator(".qz-rkey, .qz-key, .qz-expl").count() == 0 and "Yes, RIMPAC is biennial." not in page.content()
    assert page.locator(".qz-yours").count() == 10
    assert "shown once you have no attempt left" in page.locator(".qz-g-body").inner_text()
    page.get_by_role("button", name="Back to the quiz").click()
    assert "Attempts left: 1 of 2." in page.locator(".qz-rules").inner_text()


def test_released_results_show_each_question_in_the_order_seen(page, site) -> None:
    open_quiz(page, site, "one-try")
    start(page)
    shown = [p.strip() for p in page.locator("fieldset.qz-q .qz-p").all_inner_texts()]
    page.locator("fieldset.qz-q", has_text="held every two years near Hawaii").locator("label", has_text="Cobra Gold").click()
    page.locator("fieldset.qz-q[data-t=short] input[type=text]").fill("Malabar")
    page.wait_for_selector("text=Answers saved at")
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit now").click()
    page.locator(".qz-score").wait_for()
    results = page.locator("section.qz-res")
    assert results.count() == 10
    assert [p.strip() for p in results.locator(".qz-p").all_inner_texts()] == shown  # prompts, in the order seen
    single = results.filter(has_text="held every two years near Hawaii")
    text = " ".join(single.inner_text().split())
    assert "not correct, 0 of 1 points" in text
    assert "Your answer Cobra Gold" in text and "Correct answer RIMPAC" in text
    assert "RIMPAC is held in even-numbered years." in text  # the explanation
    assert "Correct answer Malabar" in " ".join(results.filter(has_text="began in 1992").inner_text().split())
    assert "(no answer)" in results.filter(has_text="In which year was the North Atlantic Treaty signed").inner_text()
    assert axe_violations(page, "section.qz-g") == []
    for i in range(results.count()):  # nothing overflows a phone's width
        box = results.nth(i).bounding_box()
        assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"] + 1


def test_before_release_only_what_the_rules_allow(page, site) -> None:
    open_quiz(page, site, "later")
    start(page)
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit now").click()
    page.wait_for_selector("text=Your answers are recorded")
    assert page.locator(".qz-score, .qz-res, .qz-yours, .qz-rkey").count() == 0


def test_the_countdown_stays_in_view_and_is_announced_at_5_and_1_minutes(page, site) -> None:
    page.clock.install()
    open_quiz(page, site, "timed")
    start(page)
    timer = page.locator(".qz-timer")
    assert timer.inner_text().startswith("Time left: 6:0") or timer.inner_text().startswith("Time left: 5:5")
    page.mouse.wheel(0, 100_000)  # to the bottom of the quiz
    page.get_by_role("button", name="Submit answers").wait_for()
    page.wait_for_timeout(200)
    box = timer.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height, box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.qz-g-bar') !== null", [x, y])
    announcer = page.locator(".qz-announce")
    assert announcer.inner_text() == ""
    page.clock.fast_forward("01:05")  # 4:55 left
    page.wait_for_function("document.querySelector('.qz-announce').textContent === '5 minutes left.'")
    assert page.evaluate("document.querySelector('.qz-announce').getAttribute('aria-live')") == "assertive"
    page.clock.fast_forward("03:59")  # 0:56 left
    page.wait_for_function("document.querySelector('.qz-announce').textContent === '1 minute left.'")
    assert timer.inner_text().startswith("Time left: 0:5")


def test_the_link_from_quizlib_serve_token_opens_the_quiz(page, site) -> None:
    sid = next(_students)
    cmd = [sys.executable, "-m", "quizlib.cli", "serve", "token", sid, "--db", site["db"],
           "--book-url", f"{site['url']}/two-tries.html"]
    link = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=site["built"].parent.parent).stdout.strip()
    assert link.startswith(f"{site['url']}/two-tries.html#token=")
    page.goto(link)
    page.get_by_role("button", name="Start attempt").wait_for()
    assert "token" not in page.url
    assert page.evaluate("document.querySelector('meta[name=referrer]').content") == "no-referrer"
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('token')).length") == 0
    # Without a book URL the link opens the service's sign-in page, which leads to the quiz.
    cmd = [sys.executable, "-m", "quizlib.cli", "serve", "token", sid, "--db", site["db"],
           "--public-url", site["service"].base_url]
    link = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    page.goto(link)
    page.get_by_role("link", name="Quiz one-try").click()
    page.get_by_role("button", name="Start attempt").wait_for()
    assert "token" not in page.url and page.url.endswith("/quiz/one-try")
