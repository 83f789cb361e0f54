"""Facts in chapters 5-7 that a subject-expert review found wrong (issue 15), each pinned so the
error cannot come back in the book, the practice banks or the secure pools."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

BOOK = ROOT / "book"
BANK_DIRS = [ROOT / "quizzes", ROOT / "pools"]


def _bank_texts(question: dict) -> list[str]:
    """Every piece of prose a student reads in a question: prompt, explanation, options and feedback."""
    texts = [question.get("prompt", ""), question.get("explanation", "")]
    texts += [question.get("feedback_true") or "", question.get("feedback_false") or ""]
    for option in question.get("options", []):
        texts += [option.get("text", ""), option.get("feedback") or ""]
    for pair in question.get("pairs", []):
        texts += [pair["left"], pair["right"]]
    texts += [i if isinstance(i, str) else i.get("text", "") for i in question.get("items", [])]
    return texts


def course_texts() -> list[tuple[str, str]]:
    """(where, text) for every book page and every question of every bank and pool."""
    out = [(str(md.relative_to(ROOT)), md.read_text()) for md in BOOK.rglob("*.md")]
    for folder in BANK_DIRS:
        for path in sorted(folder.rglob("*.yml")):
            for q in yaml.safe_load(path.read_text())["questions"]:
                out += [(f"{path.relative_to(ROOT)}:{q['id']}", t) for t in _bank_texts(q)]
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n\s*\n", text) if s.strip()]


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


UN_COMMAND = re.compile(r"under (?:the )?UN(?:'s)? operational command|UN operational command", re.I)


def test_peacekeepers_are_not_said_to_serve_under_un_operational_command():
    """Contributing states keep full command; the UN holds operational authority (Secretary-General)
    and operational control (Force Commander). The old text put soldiers 'under UN operational command'."""
    for where, text in course_texts():
        for sentence in sentences(text):
            assert not UN_COMMAND.search(sentence), f"{where}: {sentence}"
    page = (BOOK / "06-security" / "04-peacekeeping.md").read_text()
    for term in ("full command", "operational authority", "operational control"):
        assert term in page, f"the peacekeeping page no longer explains '{term}'"


def test_anzus_is_trilateral_not_a_bilateral_treaty_with_australia():
    """ANZUS (1951) binds Australia, New Zealand and the United States. A sentence that lists Australia
    among US bilateral treaties must say that its treaty is the trilateral ANZUS Treaty."""
    for where, text in course_texts():
        for sentence in sentences(text):
            if re.search(r"\bbilateral\b", sentence) and re.search(r"\btreat", sentence, re.I) and "Australia" in sentence:
                assert re.search(r"trilateral|ANZUS", sentence), f"{where}: {sentence}"
    page = (BOOK / "05-alliances" / "04-regional-dynamics.md").read_text()
    assert re.search(r"trilateral ANZUS Treaty", page)


def test_article5_decision_of_12_september_2001_is_told_as_conditional():
    """On 12 September 2001 the North Atlantic Council decided that Article 5 applied *if* the attack was
    directed from abroad; it found the condition met on 2 October. Wherever the book or a question
    dates the decision to 12 September, the same passage must give the condition or the confirmation."""
    seen = 0
    for where, text in course_texts():
        for paragraph in paragraphs(text):
            if "12 September" in paragraph and re.search(r"Article 5|invok", paragraph):
                seen += 1
                assert re.search(r"2 October|conditional|\bif\b", paragraph), f"{where}: {paragraph[:300]}"
    assert seen >= 1
    case = (BOOK / "05-alliances" / "03-case-studies.md").read_text()
    assert "conditional" in case and "2 October" in case


def test_a_blockade_is_not_presented_as_a_reversible_step():
    """A blockade is a belligerent act in international law, which is why Kennedy's 1962 measure was
    called a 'quarantine'. The old page and item taught that 'a blockade can be lifted' and keyed it."""
    for where, text in course_texts():
        for sentence in sentences(text):
            assert not re.search(r"blockade[^.;()]*\b(can be lifted|reversible)\b", sentence, re.I), f"{where}: {sentence}"
    page = (BOOK / "06-security" / "03-crisis-management.md").read_text()
    assert re.search(r"blockade is a belligerent act", page)


CASE_TITLE = re.compile(r"^```\{admonition\} Case study[^:\n]*: (.+)$", re.M)


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        (r"Article 5", "05-alliances/03-case-studies.md"),
        (r"Finland and Sweden", "05-alliances/04-regional-dynamics.md"),
        (r"Enhanced Forward Presence|battlegroups", "03-instruments/05-presence-abroad.md"),
    ],
)
def test_each_case_is_told_once(pattern: str, home: str):
    """Each case study is told in one box and cross-referenced elsewhere (issue 15 found these twice)."""
    boxes = [
        md.relative_to(BOOK).as_posix()
        for md in BOOK.rglob("*.md")
        for title in CASE_TITLE.findall(md.read_text())
        if re.search(pattern, title)
    ]
    assert boxes == [home], boxes
