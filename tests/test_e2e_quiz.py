"""The practice quiz in real headless Chromium: every type right and wrong, progress
kept across a reload, keyboard-only use, and no console errors on any book page."""

from __future__ import annotations

import shutil

import pytest

from .browser import axe_violations, require_chromium, serve
from .conftest import FIXTURES
from .sphinx_build import Build

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_chromium()
    src = tmp_path_factory.mktemp("e2e") / "book"
    shutil.copytree(FIXTURES / "sphinx_book", src)
    _, warnings, code = Build(src).run()
    assert code == 0, warnings
    with serve(src / "_build" / "html") as url:
        yield url


@pytest.fixture(scope="module")
def browser(site, chromium_browser):
    return chromium_browser


@pytest.fixture
def page(browser, site, request):
    """The fixture page, set up by the script; ``indirect`` parametrisation gives a viewport width."""
    width = getattr(request, "param", 1280)
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    errors = watch_errors(pg)
    pg.goto(f"{site}/page.html")
    pg.wait_for_selector(".qz-b button")  # the script has set the quiz up
    yield pg
    assert errors == []
    context.close()


def watch_errors(pg) -> list[str]:
    """Collect script errors, console errors and failed loads (the browser's own favicon probe aside)."""
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"{pg.url}: {exc}"))
    pg.on("console", lambda m: errors.append(f"{pg.url}: {m.text}")
          if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}")
          if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return errors


def q(page, qid: str):
    return page.locator(f'form[data-q="fixture/page/{qid}"]')


def check(page, qid: str) -> str:
    form = q(page, qid)
    form.get_by_role("button", name="Check").click()
    return form.locator(".qz-f").inner_text()


def arrange(page, qid: str, target: list[str]) -> None:
    """Put ordering items in ``target`` order using only the Move up buttons."""
    form = q(page, qid)
    for pos, item in enumerate(target):
        current = form.locator(".qz-r li").evaluate_all("els => els.map(e => e.dataset.i)")
        for _ in range(current.index(item) - pos):
            form.locator(f'li[data-i="{item}"] button[data-move="up"]').click()


RIGHT = {
    "single-1": lambda page, f: f.locator('input[value="b"]').check(),
    "multi-1": lambda page, f: [f.locator(f'input[value="{v}"]').check() for v in "abd"],
    "multi-aon": lambda page, f: [f.locator(f'input[value="{v}"]').check() for v in ("nato", "un")],
    "tf-1": lambda page, f: f.locator('input[value="false"]').check(),
    "short-1": lambda page, f: f.locator("input[type=text]").fill("  the MALABAR   exercise ".replace("the ", "")),
    "num-1": lambda page, f: f.locator("input[type=text]").fill("1949"),
    "num-rel": lambda page, f: f.locator("input[type=text]").fill("3660"),
    "match-1": lambda page, f: [f.locator(f'select[name="{p}"]').select_option(p) for p in ("p1", "p2", "p3")],
    "order-1": lambda page, f: arrange(page, "order-1", ["i1", "i2", "i3", "i4"]),
    "order-aon": lambda page, f: arrange(page, "order-aon", ["detect", "call", "agree"]),
}

WRONG = {
    "single-1": (lambda page, f: f.locator('input[value="a"]').check(), "Malabar began as a US–India exercise."),
    "multi-1": (lambda page, f: [f.locator(f'input[value="{v}"]').check() for v in "ac"], "That is trade policy."),
    "tf-1": (lambda page, f: f.locator('input[value="true"]').check(), "No; it is biennial."),
    "short-1": (lambda page, f: f.locator("input[type=text]").fill("rimpac"), "RIMPAC is a different"),
    "num-1": (lambda page, f: f.locator("input[type=text]").fill("1950"), None),
    "match-1": (lambda page, f: f.locator('select[name="p1"]').select_option("d1"), None),
    "order-aon": (lambda page, f: arrange(page, "order-aon", ["call", "detect", "agree"]), None),
}


@pytest.mark.parametrize("page", [390, 1400], indirect=True, ids=["phone", "desktop"])
def test_every_type_right(page, fixture_bank):
    for qid, answer in RIGHT.items():
        answer(page, q(page, qid))
        text = check(page, qid)
        points = fixture_bank.question(qid).points
        assert text.startswith(f"✓ Correct: {points:g} of {points:g} point"), (qid, text)
        assert fixture_bank.question(qid).explanation.split(".")[0] in text, qid
    total = sum(x.points for x in fixture_bank.questions)
    got = sum(fixture_bank.question(qid).points for qid in RIGHT)
    assert page.locator(".qz-score").inner_text() == (
        f"Score: {got:g} of {total:g} points ({len(RIGHT)} of {len(fixture_bank.questions)} questions checked)"
    )


@pytest.mark.parametrize("page", [390, 1400], indirect=True, ids=["phone", "desktop"])
def test_every_type_wrong_with_feedback_and_source(page):
    for qid, (answer, feedback) in WRONG.items():
        answer(page, q(page, qid))
        text = check(page, qid)
        assert text.startswith("✗ Not correct: 0 of") or text.startswith("◑ Partly correct"), (qid, text)
        if feedback:
            assert feedback in text, (qid, text)
        assert "Reread:" in text
    assert "fixture-exercises" in q(page, "single-1").locator(".qz-f a").get_attribute("href")
    assert q(page, "single-1").get_attribute("class").endswith("qz-wrong")


def test_partial_credit_shown(page):
    form = q(page, "multi-1")
    for v in "ab":
        form.locator(f'input[value="{v}"]').check()
    assert check(page, "multi-1").startswith("◑ Partly correct: 0.67 of 1 point")


def test_invalid_answer_scores_zero_with_reason(page):
    q(page, "num-1").locator("input[type=text]").fill("nineteen forty-nine")
    text = check(page, "num-1")
    assert text.startswith("✗ Not correct: 0 of 1 point") and "Answer not accepted: expected a number" in text


def test_progress_survives_reload_and_try_again_clears(page):
    RIGHT["short-1"](page, q(page, "short-1"))
    check(page, "short-1")
    WRONG["single-1"][0](page, q(page, "single-1"))
    check(page, "single-1")
    page.reload()
    page.wait_for_selector(".qz-b button")
    assert q(page, "short-1").locator("input[type=text]").input_value().strip().lower() == "malabar   exercise"
    assert q(page, "short-1").locator(".qz-f").inner_text().startswith("✓ Correct")
    assert q(page, "single-1").locator('input[value="a"]').is_checked()
    assert page.locator(".qz-score").inner_text().startswith("Score: 1 of ")
    q(page, "short-1").get_by_role("button", name="Try again").click()
    assert q(page, "short-1").locator(".qz-f").inner_text() == ""
    page.reload()
    page.wait_for_selector(".qz-b button")
    assert q(page, "short-1").locator("input[type=text]").input_value() == ""
    assert page.locator(".qz-score").inner_text().startswith("Score: 0 of ")


def test_show_answer_reveals_details(page):
    form = q(page, "order-1")
    assert not form.locator("details").is_visible()
    form.get_by_role("button", name="Show answer").click()
    details = form.locator("details")
    assert details.is_visible() and details.get_attribute("open") is not None
    assert "UN Charter signed → North Atlantic Treaty signed" in details.inner_text()


def test_keyboard_only(page):
    """Answer a single-choice and an ordering question with the keyboard alone."""
    form = q(page, "single-1")
    form.locator("input").first.focus()
    # Arrow keys move through a radio group; find RIMPAC by pressing Down until it is checked.
    for _ in range(3):
        if form.locator('input[value="b"]').is_checked():
            break
        page.keyboard.press("ArrowDown")
    assert form.locator('input[value="b"]').is_checked()
    page.keyboard.press("Tab")  # -> Check
    assert page.evaluate("document.activeElement.textContent") == "Check"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    assert form.locator(".qz-f").inner_text().startswith("✓ Correct")

    order = q(page, "order-aon")
    order.locator('li[data-i="detect"] button[data-move="up"]').focus()
    before = order.locator(".qz-r li").evaluate_all("els => els.map(e => e.dataset.i)")
    page.keyboard.press("Enter")
    after = order.locator(".qz-r li").evaluate_all("els => els.map(e => e.dataset.i)")
    i = before.index("detect")
    if i > 0:
        assert after.index("detect") == i - 1
    assert page.evaluate("document.activeElement.dataset.move") == "up"  # focus stays on the moved item


def test_no_javascript_shows_questions_and_answers(browser, site):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{site}/page.html")
    assert pg.locator("form.qz-q").count() == 10
    assert pg.locator(".qz-b").count() == 0  # no dead buttons
    pg.locator("form.qz-q").first.locator("summary").click()
    assert "Answer: RIMPAC" in pg.locator("form.qz-q").first.locator("details").inner_text()
    context.close()


def test_quiz_has_no_wcag_violations_in_any_state(page):
    """axe-core (an independent accessibility engine) finds nothing in the quiz, fresh or answered."""
    assert axe_violations(page, "section.qz") == []
    WRONG["single-1"][0](page, q(page, "single-1"))
    check(page, "single-1")
    RIGHT["multi-1"](page, q(page, "multi-1"))
    check(page, "multi-1")
    q(page, "order-1").get_by_role("button", name="Show answer").click()
    q(page, "order-1").locator('li button[data-move="down"]').first.click()
    assert axe_violations(page, "section.qz") == []


def test_check_with_nothing_chosen_asks_for_an_answer(page):
    """An empty Check is not a wrong answer: it says what to do and scores nothing."""
    for qid, verb in (("single-1", "Choose"), ("match-1", "Choose"), ("short-1", "Type"), ("multi-1", "Choose")):
        text = check(page, qid)
        assert text == f"{verb} an answer first, then press Check.", (qid, text)
        assert "qz-wrong" not in q(page, qid).get_attribute("class")
    assert page.locator(".qz-score").inner_text().startswith("Score: 0 of ")
    assert "(0 of 10 questions checked)" in page.locator(".qz-score").inner_text()


def test_matching_feedback_names_the_wrong_pairs(page):
    form = q(page, "match-1")
    form.locator('select[name="p1"]').select_option("d1")  # wrong
    form.locator('select[name="p2"]').select_option("p2")  # right; p3 left empty
    text = check(page, "match-1")
    assert "1 of 3 pairs right" in text
    wrong = form.locator(".qz-mw li").all_inner_texts()
    assert sorted(wrong) == ["Defense attaché", "Hotline (no match chosen)"]
    assert form.locator('select[name="p1"]').get_attribute("aria-invalid") == "true"
    assert form.locator('select[name="p2"]').get_attribute("aria-invalid") is None


def test_show_answer_opens_inside_the_card_in_the_order_shown(page):
    for qid in ("multi-1", "match-1"):
        form = q(page, qid)
        form.get_by_role("button", name="Show answer").click()
        details = form.locator("fieldset details.qz-d")
        assert details.count() == 1 and details.is_visible(), qid  # inside the card's border
        answer = form.locator(".qz-kt").inner_text().split("; ")
        if qid == "multi-1":
            shown = form.locator(".qz-o label").evaluate_all(
                "ls => ls.filter(l => ['a', 'b', 'd'].includes(l.querySelector('input').value)).map(l => l.innerText.trim())")
            assert answer == shown
            fb = form.locator(".qz-fb li").evaluate_all("ls => ls.map(l => l.dataset.o)")
            values = form.locator(".qz-o input").evaluate_all("is => is.map(i => i.value)")
            assert fb == [v for v in values if v in fb]
        else:
            lefts = form.locator(".qz-m label > span:first-child").all_inner_texts()
            assert [a.split(" → ")[0] for a in answer] == lefts
    assert q(page, "multi-1").locator(".qz-o input").evaluate_all("is => is.map(i => i.value)") != ["a", "b", "c", "d"], (
        "the fixture must shuffle multi-1 for this test to mean anything")


def test_ordering_moves_are_announced(page):
    form = q(page, "order-1")
    items = form.locator(".qz-r li").evaluate_all("els => els.map(e => e.querySelector('span').textContent)")
    form.locator(".qz-r li").nth(1).locator('button[data-move="up"]').click()
    status = form.locator(".qz-sr[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == f"Moved {items[1]} to position 1 of {len(items)}."


@pytest.mark.parametrize("typed", ["1,949", "1 949", "1\u00a0949"])
def test_numbers_with_thousands_separators(page, typed):
    q(page, "num-1").locator("input[type=text]").fill(typed)
    assert check(page, "num-1").startswith("✓ Correct")


@pytest.mark.parametrize("page", [390, 1400], indirect=True, ids=["phone", "desktop"])
def test_matching_fits_the_card(page):
    """Phone: every dropdown inside the card and the chosen text readable in full.
    Desktop: the dropdowns line up in one column, none wrapped under its text."""
    form = q(page, "match-1")
    longest = max(form.locator('select[name="p1"] option').all_inner_texts(), key=len)
    value = form.locator('select[name="p1"] option', has_text=longest).get_attribute("value")
    form.locator('select[name="p1"]').select_option(value)
    card = form.locator("fieldset").bounding_box()
    boxes = [form.locator(f'select[name="{p}"]').bounding_box() for p in ("p1", "p2", "p3")]
    for b in boxes:
        assert card["x"] <= b["x"] and b["x"] + b["width"] <= card["x"] + card["width"]
    if page.viewport_size["width"] < 600:
        chosen = form.locator('select[name="p1"] ~ .qz-mc')
        assert chosen.is_visible() and chosen.inner_text() == longest
        box = chosen.bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"]
    else:
        assert len({round(b["x"]) for b in boxes}) == 1
        for p, b in zip(("p1", "p2", "p3"), boxes):
            text = form.locator(f'select[name="{p}"]').locator("xpath=..").locator("span").first.bounding_box()
            assert b["y"] < text["y"] + text["height"], p  # on the text's row, not below it
