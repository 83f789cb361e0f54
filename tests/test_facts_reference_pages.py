"""What the fact check of chapters 1, 2 and 10-12, the glossary and the reference pages (intro, sources,
timeline, capstone) found wrong, pinned so it cannot come back in the book, the practice banks or the secure
pools. Each test fails on the text the check started from."""

from __future__ import annotations

import re

import yaml

from .conftest import ROOT
from .course import CITE, strings

BOOK = ROOT / "book"
BANK_DIRS = [ROOT / "quizzes", ROOT / "pools"]




def course_texts() -> list[tuple[str, str]]:
    """(where, text) for every book page and every question of every bank and pool."""
    out = [(str(md.relative_to(ROOT)), md.read_text()) for md in BOOK.rglob("*.md")]
    for folder in BANK_DIRS:
        for path in sorted(folder.rglob("*.yml")):
            for q in yaml.safe_load(path.read_text())["questions"]:
                out.append((f"{path.relative_to(ROOT)}:{q['id']}", " ".join(strings(q))))
    return out


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;])\s+", " ".join(text.split())) if s]


def glossary_entry(term: str) -> str:
    text = (BOOK / "glossary.md").read_text()
    return " ".join(text.split(f"\n{term}\n", 1)[1].split("\n\n", 1)[0].split())


def bib_entries() -> dict[str, tuple[str, str]]:
    """key -> (entry type, body) for every entry of references.bib."""
    text = (ROOT / "references.bib").read_text()
    return {m.group(2): (m.group(1).lower(), m.group(3))
            for m in re.finditer(r"@(\w+)\{([^,]+),(.*?)\n\}", text, re.S)}


def test_auerswald_is_the_first_author_of_nato_in_afghanistan():
    """Princeton University Press published *NATO in Afghanistan: Fighting Together, Fighting Alone* (2014)
    by David P. Auerswald and Stephen M. Saideman; the bibliography and the text had the names reversed."""
    entry = next(body for _, body in bib_entries().values() if "NATO in Afghanistan" in body)
    assert re.search(r"author\s*=\s*\{Auerswald, David P\. and Saideman, Stephen M\.\}", entry), entry
    for where, text in course_texts():
        assert not re.search(r"Saideman and Auerswald|saideman-auerswald", text), where


def test_arms_control_in_the_glossary_includes_confidence_building():
    """Schelling and Halperin (1961), the definition chapter 4 teaches, make arms control any cooperation
    between potential enemies that makes war less likely, less destructive or less costly to prepare for;
    confidence-building is one route to it. The glossary set arms control 'in contrast to' such measures."""
    entry = glossary_entry("Arms control")
    assert "Schelling" in entry and "Halperin" in entry, entry
    assert re.search(r"less likely", entry), entry
    assert re.search(r"confidence-building[^.]*\b(route|form|part|one)\b", entry), entry
    assert not re.search(r"in contrast to confidence-building", entry), entry


def test_chapter_1_keeps_arms_control_broad_where_it_cites_schelling_and_halperin():
    """The history page cited Schelling and Halperin for a split in which arms control only 'limits what states
    have'; their own definition is broad. The page may keep the narrow everyday sense, but must say so."""
    page = (BOOK / "01-foundations" / "03-history.md").read_text()
    paragraph = next(p for p in page.split("\n\n") if "schelling-halperin-1961" in p)
    assert re.search(r"less likely", paragraph), paragraph
    narrow = next(s for s in sentences(page) if re.search(r"limits? what states \*?have", s))
    assert re.search(r"narrow", narrow), narrow


def test_gunboat_diplomacy_covers_force_against_foreign_nationals_in_their_own_state():
    """Cable's definition has two branches: limited naval force in an international dispute, or against foreign
    nationals within the territory or jurisdiction of their own state. The glossary kept only the first."""
    entry = glossary_entry("Gunboat diplomacy")
    assert re.search(r"foreign nationals", entry) and re.search(r"their own state", entry), entry
    assert "Cable" in entry, entry


def test_try_and_see_is_not_called_gradual():
    """In George's scheme try-and-see takes one step and waits; the gradual variant is the turning of the
    screw. The glossary called try-and-see 'gradual'."""
    for where, text in course_texts():
        for s in sentences(text):
            assert not re.search(r"gradual\W+(\"|“)?try-and-see", s, re.I), f"{where}: {s}"


def test_george_is_not_said_to_rank_the_size_of_the_demand_first():
    """George listed conditions favoring coercive diplomacy and noted that what is demanded shapes the
    asymmetry of motivation; he did not rank the size of the demand above every other condition."""
    page = (BOOK / "02-theory" / "02-coercive-diplomacy.md").read_text()
    conditions = page.split("(ch2-coercive-diplomacy-conditions)=", 1)[1].split("\n\n(", 1)[0]
    assert re.search(r"demand[^.]*\bshapes?\b[^.]*asymmetry of motivation", conditions), conditions
    for where, text in course_texts():
        for s in sentences(text):
            if re.search(r"demand", s):
                assert not re.search(r"matters most of all", s), f"{where}: {s}"


def test_no_scholarly_work_is_cited_for_an_event_after_its_publication():
    """Mohan's *Samudra Manthan* (2012) was cited for India's SAGAR policy, announced in 2015. A book or article
    cannot support a sentence about later events; primary documents (@misc) and target dates ('by 2035') aside."""
    entries = bib_entries()
    for md in sorted(BOOK.glob("[0-9][0-9]-*/*.md")):
        for paragraph in md.read_text().split("\n\n"):
            for s in sentences(paragraph):
                keys = [k.strip() for m in CITE.finditer(s) for k in m.group(1).split(",")]
                works = [k for k in keys if entries.get(k, ("misc",))[0] != "misc"]
                if not works:
                    continue
                published = max(int(re.search(r"(\d{4})$", k).group(1)) for k in works)
                rest = re.sub(r"\bby (fiscal )?\d{4}", "", CITE.sub("", s))
                later = [int(y) for y in re.findall(r"\b(1[5-9]\d\d|20\d\d)\b", rest) if int(y) > published]
                assert not later, f"{md.name}: {works} cited for {later}: {s}"


def test_the_code_of_conduct_association_is_dated_2013():
    """The International Code of Conduct for private security providers dates from 2010; the association that
    monitors it was founded in 2013. The page dated both to 2010."""
    page = (BOOK / "12-challenges" / "07-private-military-companies.md").read_text()
    for s in sentences(page):
        if re.search(r"International Code of Conduct", s) and re.search(r"association", s):
            assert "2013" in s, s


def timeline_rows() -> list[str]:
    return [l for l in (BOOK / "timeline.md").read_text().splitlines() if l.startswith("| ") and "---" not in l][1:]


def test_timeline_tells_each_event_once():
    """The timeline gave NATO's first Article 5 invocation, the Taliban's return in 2021 and the Wagner mutiny of
    2023 in two rows each. One row per event, carrying every page's link."""
    events = {
        "Article 5 in 2001": (r"2001", r"Article 5", {"ch5-case-studies", "ch7-security-cooperation", "ch11-evolving-threats"}),
        "Taliban return in 2021": (r"2021", r"Taliban[^|]*return", {"ch5-case-studies", "ch5-measuring-effectiveness", "ch7-security-force-assistance"}),
        "Wagner mutiny in 2023": (r"2023", r"Wagner[^|]*mutin", {"ch8-russia", "ch12-private-military-companies"}),
    }
    for name, (year, event, links) in events.items():
        rows = [r for r in timeline_rows() if re.search(year, r.split("|")[1]) and re.search(event, r)]
        assert len(rows) == 1, f"{name}: {rows}"
        assert links <= set(re.findall(r"\{ref\}`([^`]+)`", rows[0])), f"{name}: {rows[0]}"


def test_intro_maps_the_twelve_chapters_in_five_parts():
    """The intro still described the first edition: eight chapters in four parts and a table without chapters
    2, 4, 7 and 8. Its map must follow _toc.yml: five captioned parts, every chapter, the capstone and the
    reference pages."""
    intro = (BOOK / "intro.md").read_text()
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    numbered = [p for p in toc["parts"] if p.get("numbered")]
    assert len(numbered) == 5
    assert not re.search(r"eight chapters|four parts", intro)
    assert re.search(r"twelve chapters in five parts", intro)
    course_map = intro.split("(intro-map)=", 1)[1].split("(intro-students)=", 1)[0]
    for part in numbered:
        title = part["caption"].split(": ", 1)[1]
        assert title in course_map, f"part {title!r} is missing from the map"
    for n in range(1, 13):
        assert f"{{ref}}`ch{n}`" in course_map, f"chapter {n} is missing from the map"
    for label in ("capstone", "review", "glossary", "timeline", "bibliography", "sources"):
        assert re.search(rf"\{{ref\}}`([^`<]*<)?{label}>?`", course_map), f"{label} is missing from the map"


def test_sources_page_runs_chapter_by_chapter_for_the_twelve_chapters():
    """The sources page kept first-edition labels (sources-ch2 over chapter 3, sources-ch8 over chapter 12), had
    no chapter 7 heading and said the course drew on no references of its own. One heading per chapter, in
    order, each under a label that names its chapter, and an introduction that points to the bibliography."""
    text = (BOOK / "sources.md").read_text()
    headings = re.findall(r"\(([^)]+)\)=\n## Chapter (\d+):", text)
    assert [int(n) for _, n in headings] == list(range(1, 13)), headings
    assert [label for label, _ in headings] == [f"sources-ch{n}" for n in range(1, 13)], headings
    introduction = text.split("\n(sources-ch1)=", 1)[0]
    assert "{ref}`bibliography`" in introduction or "<bibliography>`" in introduction, introduction
    assert re.search(r"twelve chapters", introduction), introduction


def test_capstone_links_the_theory_its_debrief_uses():
    """The capstone asks students to reason with abandonment and entrapment, costly signals and the security
    dilemma, but linked only chapter 5 and 6 pages written before chapter 2 developed those theories."""
    text = (BOOK / "capstone.md").read_text()
    aims = text.split("(capstone-aims)=", 1)[1].split("(capstone-format)=", 1)[0]
    alliance = next(l for l in aims.splitlines() if "abandonment" in l)
    signals = next(l for l in aims.splitlines() if "costly signals" in l)
    assert "{ref}`ch2-alliance-politics`" in alliance, alliance
    assert "{ref}`ch2-security-dilemma`" in signals, signals


def test_the_scrutiny_item_on_private_firms_asks_an_unambiguous_question():
    """x12pmc-fewer-casualties asked which branch 'loses scrutiny': the executive escapes scrutiny, so a student
    could defend 'executive' against the key 'legislature'. It must ask whose scrutiny weakens."""
    bank = yaml.safe_load((ROOT / "pools" / "12-challenges" / "07-private-military-companies.yml").read_text())
    q = next(q for q in bank["questions"] if q["id"] == "x12pmc-fewer-casualties")
    assert not re.search(r"loses scrutiny", q["prompt"]), q["prompt"]
    assert re.search(r"[Ww]hose (scrutiny|oversight)", q["prompt"]), q["prompt"]
