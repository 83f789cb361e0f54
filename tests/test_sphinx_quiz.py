"""The quiz directive in a real Sphinx build: HTML per type, located failures, incremental rebuilds."""

from __future__ import annotations

import json
import shutil

import pytest
from bs4 import BeautifulSoup

from quizlib.grading import grade
from quizlib.html import PRACTICE_NOTE

from .conftest import FIXTURES
from .sphinx_build import Build

BOOK = FIXTURES / "sphinx_book"


@pytest.fixture
def book(tmp_path) -> Build:
    dst = tmp_path / "book"
    shutil.copytree(BOOK, dst)
    return Build(dst)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Build:
    dst = tmp_path_factory.mktemp("b") / "book"
    shutil.copytree(BOOK, dst)
    b = Build(dst)
    _, warnings, code = b.run()
    assert warnings == "" and code == 0, warnings
    return b


def soup_of(build: Build, page: str) -> BeautifulSoup:
    return BeautifulSoup((build.out / f"{page}.html").read_text(), "html.parser")


def forms(soup) -> dict[str, object]:
    return {f["data-q"].rsplit("/", 1)[1]: f for f in soup.select("section.qz form.qz-q")}


def test_every_question_is_an_accessible_fieldset(built):
    soup = soup_of(built, "page")
    qs = forms(soup)
    assert len(qs) == 10
    for form in qs.values():
        fs = form.find("fieldset")
        assert fs and fs.find("legend").get_text().startswith("Question ")
        for inp in fs.select("input, select"):
            assert inp.find_parent("label") is not None, f"unlabelled control in {form['data-q']}"
        details = form.find("details")
        assert details.find("summary").get_text() == "Answer and explanation"
        assert details.select_one(".qz-x").get_text(strip=True)


def test_inputs_per_type(built):
    qs = forms(soup_of(built, "page"))
    assert [i["type"] for i in qs["single-1"].select("input")] == ["radio"] * 3
    assert [i["type"] for i in qs["multi-1"].select("input")] == ["checkbox"] * 4
    assert [i["value"] for i in qs["tf-1"].select("input")] == ["true", "false"]
    assert qs["short-1"].select_one("input[type=text]") is not None
    num = qs["num-rel"].select_one("input[type=text]")
    assert num["inputmode"] == "decimal" and "days" in qs["num-rel"].select_one(".qz-t").get_text()
    selects = qs["match-1"].select("select")
    assert len(selects) == 3 and all(len(s.select("option")) == 5 for s in selects)  # 3 rights + distractor + blank
    order = [li["data-i"] for li in qs["order-1"].select(".qz-r li")]
    assert sorted(order) == ["i1", "i2", "i3", "i4"] and order != ["i1", "i2", "i3", "i4"]


def test_markdown_rendered_and_answers_behind_details(built, fixture_bank):
    qs = forms(soup_of(built, "page"))
    assert qs["single-1"].select_one(".qz-p em").get_text() == "every two years"
    assert "RIMPAC" in qs["single-1"].select_one("details .qz-k").get_text()
    assert qs["order-1"].select_one("details .qz-k").get_text().count("→") == 3
    fb = {li["data-o"]: li.get_text() for li in qs["single-1"].select("details li")}
    assert fb["b"] == "RIMPAC: Yes, RIMPAC is biennial."


def test_source_links_point_at_headings(built):
    soup = soup_of(built, "page")
    qs = forms(soup)
    link = qs["tf-1"].select_one(".qz-s a")
    assert link["href"] == "#fixture-exercises" and link.get_text() == "Exercises"
    assert soup.find(id="fixture-exercises") is not None
    review = forms(soup_of(built, "review"))
    assert all(f.select_one(".qz-s a")["href"].startswith("page.html#") for f in review.values())


def test_key_in_page_grades_like_python(built, fixture_bank):
    """The emitted key is what the page grades with; check it carries the same answers."""
    qs = forms(soup_of(built, "page"))
    key = json.loads(qs["single-1"]["data-key"])
    assert key == {"t": "single", "o": ["a", "b", "c"], "c": "b"}
    assert grade(fixture_bank.question("single-1"), key["c"]).correct


def test_practice_note_and_assets_only_on_quiz_pages(built):
    page, other = soup_of(built, "page"), soup_of(built, "other")
    assert page.select_one(".qz-note").get_text() == PRACTICE_NOTE
    assert page.find("script", src=lambda s: s and "quizlib.js" in s)
    assert page.find("link", href=lambda s: s and "quizlib.css" in s)
    assert not other.find("script", src=lambda s: s and "quizlib.js" in s)
    assert (built.out / "_static" / "quizlib.js").is_file()


def test_review_draws_seeded_sample(built):
    first = list(forms(soup_of(built, "review")))
    assert len(first) == 4
    # A fresh build elsewhere draws exactly the same questions in the same order.
    other = Build(built.src.parent / "again")
    shutil.copytree(BOOK, other.src)
    other.run()
    assert list(forms(soup_of(other, "review"))) == first


def test_broken_bank_fails_with_page_and_bank_location(book):
    bank = book.src / "quizzes" / "all-types.yml"
    text = bank.read_text().replace("    difficulty: easy\n", "    difficulty: trivial\n", 1)
    bank.write_text(text)
    bad_line = text.splitlines().index("    difficulty: trivial") + 1
    _, warnings, code = book.run()
    assert code != 0
    assert f"page.md:" in warnings and "quiz: invalid bank:" in warnings
    assert f"all-types.yml:{bad_line}:5: question 'single-1', field 'difficulty'" in warnings
    assert "Invalid quiz bank: 2 error(s) in the quiz banks used by page, review" in warnings
    # Still broken on an incremental run with nothing changed: the failure is remembered.
    _, warnings, code = book.run()
    assert code != 0 and "Invalid quiz bank" in warnings
    bank.write_text(text.replace("difficulty: trivial", "difficulty: easy"))
    _, warnings, code = book.run()
    assert code == 0 and warnings == ""


def test_missing_bank_file_is_an_error(book):
    page = book.src / "other.md"
    page.write_text(page.read_text() + "\n```{quiz} quizzes/nope.yml\n```\n")
    _, warnings, code = book.run()
    assert code != 0 and "other.md" in warnings and "no bank file matches 'quizzes/nope.yml'" in warnings


def test_dangling_source_label_warns(book):
    bank = book.src / "quizzes" / "all-types.yml"
    bank.write_text(bank.read_text().replace("source: fixture-alliances", "source: no-such-label", 1))
    _, warnings, _ = book.run()
    assert "names source 'no-such-label', which is no label in the book" in warnings


def test_editing_a_bank_rebuilds_exactly_the_pages_using_it(book):
    book.run()
    bank = book.src / "quizzes" / "all-types.yml"
    bank.write_text(bank.read_text().replace("Which exercise is held", "Which naval exercise is held"))
    status, warnings, code = book.run()
    assert code == 0 and warnings == ""
    reread = {l.split("]")[-1].strip() for l in status.splitlines() if l.startswith("reading sources")}
    assert reread == {"page", "review"}
    assert "Which naval exercise" in (book.out / "page.html").read_text()
