"""Keys of graded questions are never public (issue 12, section 1).

The finding: the README's graded quiz and the guide's midterm were published from the
same banks whose practice quizzes print every key on the book's pages; reading the page
and then answering the graded quiz scored 10/10. Now graded work draws from secure
pools (``pools/``, ``secure: true``), which the book never renders:

- the ``{quiz}`` directive fails the build for a bank marked secure, and for any file in
  the pools folder without even reading it;
- every file of the real built book (HTML, scripts, JSON, ``_sources/`` copies) is scanned
  for every prompt, explanation, feedback and id of every pool, and none is there;
  as a control, the same scanner finds them when a pool *is* rendered.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
import yaml

from quizlib.config import load_course_config
from quizlib.loader import load_banks

from .conftest import FIXTURES, ROOT
from .sphinx_build import Build

POOLS = load_course_config(ROOT).secure_pools
_TAG = re.compile(r"<[^>]*>")
TEXT_SUFFIXES = {".html", ".js", ".json", ".txt", ".md", ".css", ".xml", ".inv", ".yml", ".yaml", ".ipynb", ".map"}


def _norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(re.sub(r"[*_`]", "", text).split()).lower()


def secure_strings(pools: Path = POOLS) -> dict[str, str]:
    """Normalised text only a pool holds -> where it comes from: prompts, explanations, feedback, ids.

    A pool's title is left out: it names its section, like the section's practice bank, and the
    book prints section titles on every page by design.
    """
    report = load_banks([pools])
    assert not report.errors and report.banks, report.errors
    found: dict[str, str] = {}
    for path, bank in report.banks.items():
        for q in bank.questions:
            where = f"{path}: {q.id}"
            found[_norm(q.id)] = f"{where} (id)"
            found[_norm(q.prompt)] = f"{where} (prompt)"
            found[_norm(q.explanation)] = f"{where} (explanation)"
            raw = q.model_dump()
            feedback = [o.get("feedback") for o in raw.get("options", [])] + [a.get("feedback") for a in raw.get("answers", [])]
            feedback += [raw.get("feedback_true"), raw.get("feedback_false")]
            for f in filter(None, feedback):
                found[_norm(f)] = f"{where} (feedback)"
    return found


#: Strings shorter than this many words ("Yes.", "Correct.") say nothing about a key and occur on any page.
MIN_WORDS = 4


def leaks(folder: Path, strings: dict[str, str]) -> list[str]:
    """Every secure string found in any text file under ``folder`` (as written, and as a browser shows HTML).

    Ids are always searched; other texts when they are at least :data:`MIN_WORDS` words long.
    """
    strings = {t: o for t, o in strings.items() if o.endswith("(id)") or len(t.split()) >= MIN_WORDS}
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix not in TEXT_SUFFIXES and not path.name.endswith(".md.txt"):
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        views = [_norm(raw), _norm(html.unescape(raw))]
        if path.suffix == ".html":  # the text a browser shows: tags out, entities decoded
            views.append(_norm(html.unescape(_TAG.sub(" ", raw))))
        for text, origin in strings.items():
            if any(text in v for v in views):
                out.append(f"{path.relative_to(folder)}: {origin}")
    return out


#: Pool question ids the instructor guides name on purpose (issue 16): the grading guide's JSON Lines example
#: answers the demonstration pools and a midterm form drawn from them, and the forms guide shows that form's
#: manifest. Only these ids, and only on the instructor pages; never a prompt, explanation, feedback or key.
NAMED_IN_GUIDES = {"sec-attaches-advance-approval", "sec-attaches-network-limits", "sec-attaches-liaison-authority",
                   "sec-presence-sofa-contents"}


def _named_on_purpose(leak: str) -> bool:
    where, _, origin = leak.partition(": ")
    qid = origin.rsplit(": ", 1)[-1].removesuffix(" (id)")
    return (origin.endswith(" (id)") and qid in NAMED_IN_GUIDES
            and (where.startswith("book/instructor/") or where.startswith("_sources/book/instructor/")))


def test_the_built_book_holds_no_secure_question_or_key(built_book: Path) -> None:
    strings = secure_strings()
    assert len(strings) > 150  # ids, prompts, explanations and feedback of every pool
    scanned = [p for p in built_book.rglob("*") if p.suffix in TEXT_SUFFIXES]
    assert len(scanned) > 100 and any("_sources" in p.parts for p in scanned)
    found = leaks(built_book, strings)
    assert [leak for leak in found if not _named_on_purpose(leak)] == []
    assert {leak.rsplit(": ", 1)[-1].removesuffix(" (id)") for leak in found} <= NAMED_IN_GUIDES
    assert not any("pools" in p.parts for p in built_book.rglob("*"))


def test_the_scanner_finds_a_pool_that_is_rendered(tmp_path: Path) -> None:
    """Control: render one pool as if it were practice; the same scan must find it."""
    src = tmp_path / "book"
    shutil.copytree(FIXTURES / "sphinx_book", src)
    pool = POOLS / "03-instruments" / "01-attaches.yml"
    data = yaml.safe_load(pool.read_text(encoding="utf-8"))
    data["secure"] = False
    (src / "quizzes" / "leaked.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (src / "leaked.md").write_text("# Leaked\n\n```{quiz} quizzes/leaked.yml\n```\n", encoding="utf-8")
    (src / "index.md").write_text((src / "index.md").read_text().replace("review\n", "review\nleaked\n"))
    Build(src).run()
    found = leaks(src / "_build" / "html", secure_strings(pool.parent))
    assert any("leaked.html" in f and "(prompt)" in f for f in found)
    assert any("leaked.html" in f and "(explanation)" in f for f in found)
    assert any("leaked.html" in f and "(feedback)" in f for f in found)


def _book_with(tmp_path: Path, quiz_arg: str, files: dict[str, str]) -> tuple[str, int]:
    src = tmp_path / "book"
    shutil.copytree(FIXTURES / "sphinx_book", src)
    for rel, text in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text, encoding="utf-8")
    (src / "graded-only.md").write_text(f"# Graded only\n\n```{{quiz}} {quiz_arg}\n```\n", encoding="utf-8")
    (src / "index.md").write_text((src / "index.md").read_text().replace("review\n", "review\ngraded-only\n"))
    _, warnings, code = Build(src).run()
    return warnings, code


def test_the_book_build_fails_for_a_bank_marked_secure(tmp_path: Path) -> None:
    bank = (FIXTURES / "banks" / "all-types.yml").read_text(encoding="utf-8").replace("schema_version: 1\n", "schema_version: 1\nsecure: true\n", 1)
    warnings, code = _book_with(tmp_path, "quizzes/secret.yml", {"quizzes/secret.yml": bank})
    assert code != 0
    assert "quizzes/secret.yml is a secure pool (secure: true)" in warnings and "never rendered" in warnings
    assert "graded-only.md" in warnings  # the page that asked for it is named


def test_the_book_build_refuses_pool_files_without_reading_them(tmp_path: Path) -> None:
    warnings, code = _book_with(tmp_path, "pools/*.yml", {"pools/anything.yml": "this: [is not: even valid yaml"})
    assert code != 0
    assert "pools/anything.yml is in the secure pools folder" in warnings
    assert "YAML" not in warnings  # refused before it was read


def test_the_course_config_names_the_pools_folder_once() -> None:
    config = load_course_config(ROOT)
    assert config.secure_pools == ROOT / "pools" and config.practice_banks == ROOT / "quizzes"
    assert "  - pools" in (ROOT / "_config.yml").read_text(encoding="utf-8")
    elsewhere = load_course_config(ROOT, pools="../private-pools")
    assert elsewhere.secure_pools == ROOT / ".." / "private-pools"


def test_the_pools_folder_can_be_moved_by_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QUIZLIB_SECURE_POOLS", str(tmp_path))
    assert load_course_config(ROOT).secure_pools == tmp_path
    assert load_course_config(ROOT, pools="pools").secure_pools == ROOT / "pools"  # a command's --pools wins
