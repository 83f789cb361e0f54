"""The course's shape: every toc entry exists, every section has what a section needs,
every glossary term is defined and used, and nothing is copied from the sources."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT
from .course import CITE

BOOK = ROOT / "book"
SECTIONS = sorted(BOOK.glob("[0-9][0-9]-*/[0-9][0-9]-*.md"))
CHAPTERS = sorted(p for p in BOOK.glob("[0-9][0-9]-*") if p.is_dir())
LABEL = re.compile(r"^\(([A-Za-z0-9_.\-]+)\)=\s*$", re.M)
TERM = re.compile(r"\{term\}`([^`]+)`")
REF = re.compile(r"\{ref\}`([^`]+)`")


def toc_files(node) -> list[str]:
    out = []
    if isinstance(node, dict):
        if "file" in node:
            out.append(node["file"])
        if "root" in node:
            out.append(node["root"])
        for v in node.values():
            out += toc_files(v)
    elif isinstance(node, list):
        for v in node:
            out += toc_files(v)
    return out


def prose_words(text: str) -> int:
    """Words a student reads: no label lines, directive fences or option lines, no quiz block."""
    text = re.sub(r"```\{quiz\}.*?```", "", text, flags=re.S)
    lines = [l for l in text.splitlines() if not re.match(r"^\(.*\)=$|^```|^:\w+:", l)]
    return len(re.findall(r"[A-Za-z0-9’'\-]+", "\n".join(lines)))


def test_toc_lists_every_chapter_and_section_and_each_exists():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = toc_files(toc)
    for f in files:
        assert (ROOT / f"{f}.md").is_file(), f"_toc.yml names {f}, which does not exist"
    assert len(CHAPTERS) >= 8
    for page in [*SECTIONS, *(c / "index.md" for c in CHAPTERS), *(c / "summary.md" for c in CHAPTERS)]:
        assert page.relative_to(ROOT).with_suffix("").as_posix() in files, f"{page} is not in _toc.yml"
    assert len(SECTIONS) >= 36


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_chapter_index_has_objectives_and_summary_has_discussion(chapter):
    index = (chapter / "index.md").read_text()
    objectives = re.findall(r"^\s*\d+\.\s+\*\*(O\d+\.\d+)\*\*", index, re.M)
    assert 3 <= len(objectives) <= 6, objectives
    n = int(chapter.name[:2])
    assert all(o.startswith(f"O{n}.") for o in objectives)
    summary = (chapter / "summary.md").read_text()
    assert "## Summary" in summary and "## Discussion questions" in summary
    discussion = summary.split("## Discussion questions", 1)[1].split("\n## ", 1)[0]
    assert 3 <= len(re.findall(r"^\d+\.\s", discussion, re.M)) <= 5
    assert "```{quiz} quizzes/" in summary  # the chapter review quiz


@pytest.mark.parametrize("page", SECTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_section_page_structure(page):
    text = page.read_text()
    assert "```{admonition} Learning objectives" in text, "no learning objectives"
    assert re.search(r"```\{admonition\} (Case study|Example|Worked example)", text), "no case study or example"
    assert re.search(r"^## Key takeaways", text, re.M), "no key takeaways"
    # Every ## heading carries a label on the line above, so questions can cite it.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("## "):
            assert i > 0 and LABEL.match(lines[i - 1]), f"unlabelled heading: {line}"
    words = prose_words(text)
    assert 500 <= words <= 1000, f"{words} words"
    bank = f"quizzes/{page.parent.name}/{page.stem}.yml"
    assert text.rstrip().endswith(f"```{{quiz}} {bank}\n```"), "the page does not end with its own quiz"
    assert (ROOT / bank).is_file()


def glossary_terms() -> list[str]:
    text = (BOOK / "glossary.md").read_text()
    body = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return [l.strip() for l in body.splitlines() if l.strip() and not l.startswith((" ", ":"))]


def test_glossary_terms_defined_resolved_and_all_used():
    terms = {t.casefold() for t in glossary_terms()}
    assert len(terms) >= 40
    used: set[str] = set()
    for md in BOOK.rglob("*.md"):
        for ref in TERM.findall(md.read_text()):
            target = ref.rsplit("<", 1)[1].rstrip(">").strip() if ref.endswith(">") else ref.strip()
            assert target.casefold() in terms, f"{md.name}: {{term}} '{target}' is not in the glossary"
            used.add(target.casefold())
    assert terms - used == set(), f"glossary terms never referenced: {sorted(terms - used)}"


def test_every_ref_names_a_label():
    labels = {m for md in BOOK.rglob("*.md") for m in LABEL.findall(md.read_text())}
    labels |= {"genindex"}
    for md in BOOK.rglob("*.md"):
        for ref in REF.findall(md.read_text()):
            target = ref.rsplit("<", 1)[1].rstrip(">") if ref.endswith(">") else ref
            assert target in labels, f"{md.name}: {{ref}} to unknown label '{target}'"


ANNUAL_CLAIM = re.compile(
    r"(RIMPAC|Rim of the Pacific(?: exercise)?)\)?(,[^,.]*,)?\s+(is|takes place|runs|happens|occurs)\s+(held\s+)?(annually|every year|each year|yearly)\b",
    re.I)


def test_rimpac_is_biennial_everywhere():
    """The sources say RIMPAC is annual; it is held every two years. The course must not repeat the error."""
    page = (BOOK / "03-instruments" / "02-joint-exercises.md").read_text()
    assert re.search(r"every two years", page)
    for path in [*BOOK.rglob("*.md"), *(ROOT / "quizzes").rglob("*.yml")]:
        text = path.read_text()
        if path.suffix == ".yml":
            for q in yaml.safe_load(text)["questions"]:
                if q["type"] == "true_false" and ANNUAL_CLAIM.search(q["prompt"]):
                    assert q["answer"] is False, f"{path.name}: {q['id']} says RIMPAC is annual and expects true"
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert not ANNUAL_CLAIM.search(sentence), f"{path.name}: {sentence.strip()}"


BIENNIAL = re.compile(r"every two years|biennial|even-numbered years", re.I)


def rimpac_texts() -> list[tuple[str, str]]:
    """(where, text) for every page and every string in a bank that could state RIMPAC's rhythm."""
    out = [(p.name, p.read_text()) for p in BOOK.rglob("*.md")]
    for path in [*(ROOT / "quizzes").rglob("*.yml"), *(ROOT / "pools").rglob("*.yml")]:
        def strings(node, where):
            if isinstance(node, str):
                out.append((where, node))
            elif isinstance(node, dict):
                for k, v in node.items():
                    strings(v, f"{where}.{k}")
            elif isinstance(node, list):
                for v in node:
                    strings(v, where)
        for q in yaml.safe_load(path.read_text())["questions"]:
            strings(q, f"{path.name}:{q['id']}")
    return out


def test_rimpac_was_annual_until_1973_and_biennial_since_1974():
    """RIMPAC was held in 1971, 1972 and 1973 and every two years from 1974. A sentence that puts the
    first exercise (1971) beside a two-year rhythm without the 1974 switch says it was always biennial."""
    page = (BOOK / "03-instruments" / "02-joint-exercises.md").read_text()
    assert re.search(r"1971[^.]*1973|annual[^.]*1974|1974[^.]*every two years", page), "the page must date the switch to 1974"
    for where, text in rimpac_texts():
        for sentence in re.split(r"(?<=[.!?])\s+|\n\n", text):
            if "1971" in sentence and BIENNIAL.search(sentence) and "1974" not in sentence:
                raise AssertionError(f"{where}: RIMPAC biennial since 1971? {sentence.strip()!r}")


ORIGINALITY = ROOT.parent / "shared" / "tools" / "originality.py"


@pytest.mark.skipif(not ORIGINALITY.exists(), reason="the originality tool lives in ../shared/tools beside the repo")
def test_no_run_of_nine_words_copied_from_the_sources():
    proc = subprocess.run([sys.executable, str(ORIGINALITY), "book", "quizzes"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.strip().splitlines()[-1].startswith("0 copied run(s)")


MONTHS = "January February March April May June July August September October November December".split()
TIMELINE_DATE = re.compile(rf"^(?:c\. )?(?:(\d{{1,2}}) )?(?:({'|'.join(MONTHS)}) )?(\d{{1,4}})( BCE)?$")
#: A month given in the event text, "(May)" or "(4 April)", refines a date cell that gives only the year.
TEXT_MONTH = re.compile(rf"\((?:(\d{{1,2}}) )?({'|'.join(MONTHS)})\)")


def timeline_date_span(cell: str, event: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The earliest and latest day a row's date can mean: '1949' spans the year, 'April 1949' the month."""
    m = TIMELINE_DATE.match(cell)
    if not m:
        raise ValueError(f"date {cell!r} is not 'YYYY', 'Month YYYY' or 'D Month YYYY'")
    day, month, year = m.group(1), m.group(2), int(m.group(3)) * (-1 if m.group(4) else 1)
    in_text = TEXT_MONTH.search(event)
    if in_text and not month:
        day, month = in_text.group(1), in_text.group(2)
    elif in_text and month and in_text.group(2) != month:
        raise ValueError(f"date {cell!r} disagrees with '{in_text.group(0)}' in the event text")
    if not month:
        return (year, 1, 1), (year, 12, 31)
    number = MONTHS.index(month) + 1
    return ((year, number, int(day)),) * 2 if day else ((year, number, 1), (year, number, 31))


def timeline_order_errors(text: str) -> list[str]:
    """Rows dated before an earlier row. Dates are compared at the precision each row gives, so a row
    dated '1991' may stand anywhere among the rows of 1991, but 'April 1949' may not follow 'May 1949'."""
    errors, latest = [], None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("| ") or line.startswith(("| Date ", "| Year ")):
            continue
        cell, event, refs = (c.strip() for c in line.strip().strip("|").split(" | "))
        try:
            start, end = timeline_date_span(cell, event)
        except ValueError as err:
            errors.append(f"line {number}: {err}")
            continue
        if "{ref}`" not in refs:
            errors.append(f"line {number}: {event!r} links to no page")
        if latest is not None and end < latest[0]:
            errors.append(f"line {number}: {cell} ({event}) comes after {latest[1]} ({latest[2]})")
        if latest is None or start > latest[0]:
            latest = (start, cell, event)
    return errors


def test_timeline_is_dated_and_sorted_by_full_date():
    """The first edition's timeline was out of order within years (1949, 1991, 2022). Every row now gives its
    date as precisely as it is known, and the rows are sorted by it."""
    swapped = "| Date | Event | Discussed in |\n|---|---|---|\n| 12 May 1949 | b | {ref}`x` |\n| 1949 | c | {ref}`x` |\n| April 1949 | a | {ref}`x` |\n"
    assert len(timeline_order_errors(swapped)) == 1  # the check itself catches a swapped pair
    text = (BOOK / "timeline.md").read_text()
    assert "| Date | Event | Discussed in |" in text
    assert timeline_order_errors(text) == []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| Date "):
            cell, event, _ = (c.strip() for c in line.strip().strip("|").split(" | "))
            if re.fullmatch(r"\d{4}", cell):
                assert len(TEXT_MONTH.findall(event)) != 1, f"the month in {event!r} belongs in the date cell ({cell})"


# ---- Scholarship (issue 15): every section attributed, every chapter with further reading ----------------

BIB = ROOT / "references.bib"
#: A citation role with its keys: {cite}`a`, {cite:t}`a`, {cite:p}`a,b` (sphinxcontrib-bibtex's roles).
READING_ENTRY = re.compile(r"^- \{cite:t\}`([^`,]+)`")


def bib_keys() -> set[str]:
    """The keys of references.bib as sphinxcontrib-bibtex reads them (pybtex, which it installs)."""
    from pybtex.database import parse_file

    return set(parse_file(str(BIB)).entries.keys())


def cited_keys(text: str) -> list[str]:
    return [key.strip() for keys in CITE.findall(text) for key in keys.split(",")]


def further_reading(summary: str) -> tuple[list[str], list[str]] | None:
    """The labels above and the list items of a summary's '## Further reading' section, or None without one."""
    match = re.search(r"^## Further reading\s*$", summary, re.M)
    if match is None:
        return None
    before = summary[: match.start()].rstrip().splitlines()
    body = summary[match.end():].split("\n## ", 1)[0]
    body = re.split(r"^\(.*\)=\s*$", body, flags=re.M)[0]
    items = [line for line in body.splitlines() if line.startswith("- ")]
    return before[-1:], items


def test_the_course_has_twelve_chapters_and_at_least_fifty_sections():
    assert len(CHAPTERS) == 12, [c.name for c in CHAPTERS]
    assert len(SECTIONS) >= 50, len(SECTIONS)


@pytest.mark.parametrize("page", SECTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_section_cites_the_scholarship(page):
    """Issue 15: the course must attribute its claims; a section that cites no work presents the field's ideas
    as if they were nobody's."""
    assert cited_keys(page.read_text()), f"{page.relative_to(ROOT)} cites no work ({{cite:t}} or {{cite:p}})"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_ends_with_annotated_further_reading(chapter):
    """3-6 entries, each opening with a {cite:t} key (the author named, the work linked to the bibliography)
    and going on to say what the work is and why to read it; labelled, before the chapter review quiz."""
    summary = (chapter / "summary.md").read_text()
    found = further_reading(summary)
    assert found is not None, f"{chapter.name}/summary.md has no '## Further reading' section"
    label, items = found
    n = int(chapter.name[:2])
    assert label == [f"(ch{n}-summary-reading)="], f"the heading is not labelled ch{n}-summary-reading: {label}"
    assert summary.index("## Discussion questions") < summary.index("## Further reading") < summary.index("```{quiz}")
    assert 3 <= len(items) <= 6, f"{len(items)} entries"
    for item in items:
        assert READING_ENTRY.match(item), f"an entry that does not begin with {{cite:t}}`key`: {item[:80]}"
        annotation = READING_ENTRY.sub("", item)
        assert len(re.findall(r"[A-Za-z]+", annotation)) >= 15, f"no annotation: {item}"


def test_every_cited_key_is_in_the_bibliography():
    keys = bib_keys()
    assert len(keys) >= 50
    for md in BOOK.rglob("*.md"):
        for key in cited_keys(md.read_text()):
            assert key in keys, f"{md.relative_to(ROOT)} cites {key!r}, which references.bib does not contain"


def test_every_bibliography_entry_is_cited_in_the_book():
    """The bibliography lists what the course uses; an entry nobody cites is a work the course never explains."""
    cited = {key for md in BOOK.rglob("*.md") for key in cited_keys(md.read_text())}
    assert bib_keys() - cited == set(), f"never cited: {sorted(bib_keys() - cited)}"


def test_the_citation_checks_catch_what_they_check():
    assert cited_keys("as {cite:t}`walt-1987` and {cite:p}`snyder-1984, snyder-1997` argue") == [
        "walt-1987", "snyder-1984", "snyder-1997"]
    assert cited_keys("Walt (1987) argued") == []
    summary = "## Discussion questions\n\n1. a\n\n(ch3-summary-reading)=\n## Further reading\n\n- {cite:t}`x` is a book.\n- Read *Y*.\n\n(ch3-summary-review)=\n## Chapter review quiz\n"
    label, items = further_reading(summary)
    assert label == ["(ch3-summary-reading)="] and len(items) == 2
    assert READING_ENTRY.match(items[0]) and not READING_ENTRY.match(items[1])
    assert further_reading("## Summary\n\ntext\n") is None


@pytest.mark.parametrize("page", SECTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_objectives_box_names_its_chapters_objectives_in_order_and_ends_with_a_period(page):
    """Issue 14 found a box listing O4.2 before O4.1 and ending with ';': a student reads the box as a list
    to tick off, so it names the chapter's own objectives in order and closes like a sentence."""
    box = page.read_text().split("```{admonition} Learning objectives", 1)[1].split("```", 1)[0]
    named = [(int(a), int(b)) for a, b in re.findall(r"\*\*O(\d+)\.(\d+)\*\*", box)]
    assert named and named == sorted(set(named)), named
    assert {chapter for chapter, _ in named} == {int(page.parent.name[:2])}, named
    bullets = re.findall(r"^- .*$", box, re.M)
    assert bullets and bullets[-1].endswith("."), bullets[-1:]
