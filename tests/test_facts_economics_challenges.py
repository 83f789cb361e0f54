"""Facts in chapters 10-12 that a subject-expert review found wrong or weak (issue 15), each pinned so the
error cannot come back in the book, the practice banks or the secure pools. Every test fails on the
first edition's text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT
from .course import strings

BOOK = ROOT / "book"
CHAPTERS = ["10-economics", "11-technology", "12-challenges"]
SEEDS = ROOT.parent / "shared" / "seeds"




def chapter_texts() -> list[tuple[str, str]]:
    """(where, text) for each paragraph of chapters 10-12 and each question of their banks and pools."""
    out = []
    for chapter in CHAPTERS:
        for md in sorted((BOOK / chapter).glob("*.md")):
            out += [(md.name, p) for p in re.split(r"\n\s*\n", md.read_text()) if p.strip()]
        for folder in ("quizzes", "pools"):
            for path in sorted((ROOT / folder / chapter).glob("*.yml")):
                bank = yaml.safe_load(path.read_text())
                out += [(f"{path.name}:objectives", " ".join(strings(bank["objectives"])))]
                out += [(f"{path.name}:{q['id']}", " ".join(strings(q))) for q in bank["questions"]]
    return out


NATO_TWO_PERCENT = re.compile(r"\b2 ?(%|percent)", re.I)
NATO_CONTEXT = re.compile(r"\bNATO\b|guideline|pledge", re.I)
DATED = re.compile(r"Wales|2014|Vilnius|2023|Hague|2025")


def test_nato_spending_is_not_left_at_the_wales_guideline():
    """The first edition presented the 2014 Wales aim of 2% of GDP as NATO's benchmark. Vilnius (2023) made
    2% a floor and The Hague (2025) set 5% by 2035 (3.5% core defense plus 1.5% related spending)."""
    page = (BOOK / "10-economics" / "02-burden-sharing.md").read_text()
    for needle in ("Vilnius", "The Hague", "5% of GDP by 2035", "3.5%", "1.5%"):
        assert needle in page, f"the burden-sharing page no longer mentions {needle!r}"
    for key in ("nato-wales-2014", "nato-vilnius-2023", "nato-hague-2025"):
        assert key in page, f"the burden-sharing page does not cite {key}"
    for where, text in chapter_texts():
        if NATO_TWO_PERCENT.search(text) and NATO_CONTEXT.search(text):
            assert DATED.search(text), f"{where}: NATO's 2% given without the summit that set it: {text[:200]!r}"


EXCEEDED = re.compile(r"exceed(ed)? the (UN |Security Council )?mandate|beyond the mandate", re.I)
CONTESTED = re.compile(r"debat|contest|argu|read(ing)?s?\b|disput", re.I)


def test_stopping_short_of_baghdad_is_presented_as_contested():
    """'Driving on to Baghdad would have exceeded the mandate' is contested: Resolution 678 also authorized
    force to restore international peace and security in the area, and the decision to stop was political."""
    page = (BOOK / "12-challenges" / "02-sovereignty-and-national-interest.md").read_text()
    assert "unscr-678" in page and "restore international peace and security in the area" in page
    assert "bush-scowcroft-1998" in page
    for where, text in chapter_texts():
        for sentence in re.split(r"(?<=[.!?;])\s+", text):
            if "Baghdad" in sentence and EXCEEDED.search(sentence):
                assert CONTESTED.search(sentence), f"{where}: {sentence.strip()!r}"
    bank = yaml.safe_load((ROOT / "quizzes" / "12-challenges" / "02-sovereignty-and-national-interest.yml").read_text())
    item = next(q for q in bank["questions"] if q["id"] == "c8sov-gulf-baghdad")
    explanation = " ".join(item["explanation"].split())
    assert "restore international peace and security" in explanation and "political" in explanation


CASE_TITLE = re.compile(r"^```\{admonition\} Case study[^:\n]*: (.+)$", re.M)


def test_cases_told_elsewhere_are_cross_references_in_chapters_10_to_12():
    """The Cuban missile crisis is told in ch6-crisis-management, the Gulf War coalition in ch5-case-studies and
    Article 5 after 2001 in ch5-case-studies; chapters 10-12 refer to them instead of retelling them."""
    for chapter in CHAPTERS:
        for md in sorted((BOOK / chapter).glob("*.md")):
            text = md.read_text()
            for title in CASE_TITLE.findall(text):
                assert not re.search(r"Cuban|Gulf War|Article 5", title), f"{md.name}: case box '{title}' retells a case"
            for paragraph in re.split(r"\n\s*\n", text):
                if re.search(r"Cuban missile crisis", paragraph, re.I):
                    assert "{ref}`ch6-crisis-management`" in paragraph, f"{md.name}: {paragraph[:160]!r}"
    open_skies = [md.relative_to(BOOK).as_posix() for md in BOOK.rglob("*.md")
                  for title in CASE_TITLE.findall(md.read_text()) if "Open Skies" in title]
    assert open_skies == ["11-technology/01-technology.md"], open_skies


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


#: Institutional names a page may share with a seed without paraphrasing it.
NAMES = {"global coalition to defeat isis", "defense trade and technology transfer"}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed articles live in ../shared/seeds beside the repo")
def test_rewritten_pages_share_no_five_word_run_with_the_seeds():
    """The review found close paraphrases of the seeds in five pages (first-edition 01-04, 01-05, 05-04, 07-03,
    07-04); they were rewritten from the facts. Below the nine-word originality check, no five-word run may
    remain but institutions' names."""
    grams: set[tuple[str, ...]] = set()
    for seed in SEEDS.glob("*.txt"):
        w = words(seed.read_text())
        grams |= {tuple(w[i:i + 5]) for i in range(len(w) - 4)}
    for name in ("01-foundations/05-strength-and-leverage.md", "01-foundations/06-national-approaches.md",
                 "09-soft-power/04-public-perception.md", "11-technology/03-evolving-threats.md",
                 "11-technology/04-future-trends.md"):
        w = words((BOOK / name).read_text())
        shared = {" ".join(w[i:i + 5]) for i in range(len(w) - 4) if tuple(w[i:i + 5]) in grams} - NAMES
        assert not shared, f"{name} shares these runs with the seeds: {sorted(shared)}"


def test_forged_cable_item_has_one_defensible_key():
    """The old scenario had intruders break in, so confidentiality was arguably breached too. The actor is now
    authorized to read the cable, so only integrity is breached."""
    bank = yaml.safe_load((ROOT / "quizzes" / "11-technology" / "02-cyber-and-information.yml").read_text())
    item = next(q for q in bank["questions"] if q["id"] == "ch11-cyber-forged-cable")
    assert re.search(r"\bauthori[sz]ed to read\b", item["prompt"]) and not re.search(r"break (in|into)|intruder", item["prompt"], re.I)
    key = [o["text"] for o in item["options"] if o.get("correct")]
    assert len(key) == 1 and key[0].startswith("Integrity")


def test_recall_items_named_by_the_review_now_test_reasoning():
    """c8coal-isaf-nato-year and ch11-cyber-tallinn-city asked for a year and a city under analyse-level objectives."""
    ids = {q["id"]: q for chapter in CHAPTERS for path in (ROOT / "quizzes" / chapter).glob("*.yml")
           for q in yaml.safe_load(path.read_text())["questions"]}
    assert "c8coal-isaf-nato-year" not in ids and "ch11-cyber-tallinn-city" not in ids
    year_only = [i for i, q in ids.items() if q["type"] == "numeric" and 1900 <= float(q["answer"]) <= 2100]
    assert year_only == [], f"year-recall numeric items: {year_only}"
