"""Every command and example of the README and the instructor and author guides runs as shown.

The documents are read in the order a reader meets them (the README, then the
book's instructor guide and its pages, then the author guide) and their fenced
blocks run in one sandbox, a copy of the repository, so a guide's later command
finds the files its earlier ones wrote. ``tests/docs_harness.py`` says what is
checked for each kind of block and lists the HTML-comment markers a document
uses to give a block's file name, its exit status, or why it is not run. New
documents in ``book/instructor/`` and new blocks anywhere are picked up
without touching this file.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from quizlib.bank_schema import bank_schema
from quizlib.blueprint import parse_blueprint
from quizlib.grade.attempts import check_attempt
from quizlib.loader import compose_yaml, parse_bank
from quizlib.manifest import Form
from quizlib.models import ID_PATTERN

from . import docs_harness as h
from .conftest import ROOT

#: Each group runs in its own sandbox, in reading order: the README is read on its own, the book's guides one
#: after the other (the grading page uses the forms the forms page drew). A glob picks up new pages.
GROUPS = [
    [ROOT / "README.md"],
    [ROOT / "book" / "instructor-guide.md", *sorted((ROOT / "book" / "instructor").glob("*.md")),
     ROOT / "book" / "author-guide.md"],
]
DOCS = [doc for group in GROUPS for doc in group]
KNOWN_MARKERS = {"file", "exit", "serve-briefly", "same-as", "skip"}
#: Directives a Markdown example may use besides the ones quizlib's Sphinx extension registers.
STANDARD_DIRECTIVES = {"admonition", "note", "tip", "warning", "important", "code-block", "figure", "image"}


@dataclass
class Outcome:
    block: h.Block
    kind: str
    ok: bool | None
    """True: checked; False: failed; None: not run here (a tool is missing), with the reason."""
    detail: str = ""


def _registered_directives() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "quizlib" / "sphinx").glob("*.py"))
    return set(re.findall(r'add_directive\(\s*"([\w-]+)"', source))


def _registered_config() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "quizlib" / "sphinx").glob("*.py"))
    return set(re.findall(r'add_config_value\(\s*"([\w-]+)"', source))


def _check_marker_reasons(block: h.Block) -> str | None:
    for m in block.markers:
        if m.kind not in KNOWN_MARKERS:
            return f"unknown docs-test marker '{m.kind}' (one of {', '.join(sorted(KNOWN_MARKERS))})"
        words = m.rest.split()
        need = {"skip": 1, "serve-briefly": 1, "exit": 2, "same-as": 2, "file": 1}[m.kind]
        if len(words) < need:
            return f"the '{m.kind}' marker needs {'a reason' if m.kind != 'file' else 'a file name'}"
    return None


def _check_yaml(block: h.Block, sandbox: Path) -> str:
    data = h.yaml_data(block.content)
    if isinstance(data, dict) and "questions" in data and "schema_version" in data:
        parse_bank(block.content, block.where)  # raises with every located error
        raw = compose_yaml(block.content, block.where, {}, [])
        errors = [e.message for e in Draft202012Validator(bank_schema(), format_checker=FormatChecker()).iter_errors(raw)]
        assert not errors, f"the bank passes `quizlib validate` but not the JSON Schema: {errors}"
        return "bank: validated, and passes the JSON Schema"
    if isinstance(data, dict) and "exam_id" in data and "draw" in data:
        parse_blueprint(block.content, block.where)
        same = block.marker("same-as")
        if same:
            path = same.rest.split()[0]
            assert h.yaml_data((ROOT / path).read_text(encoding="utf-8")) == data, f"differs from {path}"
            return f"blueprint: validated, and the same as {path}"
        return "blueprint: validated"
    if isinstance(data, dict) and isinstance(data.get("sphinx"), dict):
        names = set((data["sphinx"].get("config") or {}))
        unknown = {n for n in names if n.startswith("quizlib_")} - _registered_config()
        assert not unknown, f"not settings of quizlib's Sphinx extension: {sorted(unknown)}"
        return "book configuration: every quizlib_ setting exists"
    return "YAML: parses"


def _check_json(block: h.Block, sandbox: Path) -> str:
    values = h.json_values(block.content)
    if all(isinstance(v, dict) and "student" in v for v in values):
        for v in values:
            check_attempt(v)
        return f"{len(values)} attempt(s): valid"
    if len(values) == 1 and isinstance(values[0], dict) and "form_id" in values[0]:
        Form.model_validate(values[0])
        return "form: valid manifest entry"
    if len(values) == 1 and isinstance(values[0], dict) and "yaml.schemas" in values[0]:
        checked = 0
        for schema_file, pattern in values[0]["yaml.schemas"].items():
            schema_path = sandbox / schema_file
            assert schema_path.is_file(), f"{schema_file} is not written by the commands before it"
            validator = Draft202012Validator(json.loads(schema_path.read_text()), format_checker=FormatChecker())
            for bank in sorted(sandbox.glob(pattern)):
                raw = compose_yaml(bank.read_text(encoding="utf-8"), str(bank), {}, [])
                errors = [e.message for e in validator.iter_errors(raw)]
                assert not errors, f"{bank.relative_to(sandbox)} is underlined by the editor: {errors[:3]}"
                checked += 1
        assert checked, "the glob matches no bank"
        return f"editor settings: {checked} bank(s) pass the schema they name"
    return "JSON: parses"


def _check_markdown(block: h.Block) -> str:
    used = re.findall(r"^[`:]{3,}\{([\w-]+)\}\s*(\S*)", block.content, flags=re.M)
    known = _registered_directives() | STANDARD_DIRECTIVES
    for name, argument in used:
        assert name in known, f"directive '{name}' is not one quizlib's Sphinx extension registers"
        if name in _registered_directives() and argument:
            assert re.match(ID_PATTERN, argument), f"'{argument}' is not a valid quiz id"
    return f"{len(used)} directive(s) registered"


def _write_file(block: h.Block, sandbox: Path) -> str:
    target = sandbox / block.marker("file").rest.split()[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.content, encoding="utf-8")
    return f"written to {target.relative_to(sandbox)}"


def _check_file(block: h.Block, sandbox: Path) -> str:
    """A responses CSV shown in a guide is graded and must have no rejected row."""
    target = sandbox / block.marker("file").rest.split()[0]
    if target.suffix == ".csv" and block.content.split(",", 1)[0].strip() == "student":
        out = sandbox / ".docs-test" / target.name
        result = h.run_block(h.Block(block.doc, block.line, "bash", f".venv/bin/quizlib grade {target.relative_to(sandbox)} "
                                     f"-o {out} --no-feedback --no-responses"), sandbox)
        assert result.code == 0, f"the CSV example does not grade cleanly:\n{result.output[-2000:]}"
        return "responses CSV: graded, no row rejected"
    return "file"


def _run(block: h.Block, sandbox: Path) -> str:
    missing = h.missing_tools(h.script_of(block))
    if missing:
        raise _NotHere(f"needs {', '.join(missing)}, not installed here")
    started = time.time()
    result = h.run_block(block, sandbox)
    expected = h.expected_exits(block)
    assert result.code in expected, f"exit {result.code}, expected {sorted(expected)}:\n{result.output[-3000:]}"
    assert "Traceback (most recent call last)" not in result.output, result.output[-3000:]
    for path in h.written_paths(h.script_of(block)):
        assert (sandbox / path).exists(), f"the command says it writes {path}, but it is not there"
    for pdf in sandbox.rglob("*.pdf"):
        if pdf.stat().st_mtime >= started - 1:
            assert not h.pdf_has_browser_header(pdf), f"{pdf.relative_to(sandbox)} carries the browser's header and footer"
    if block.marker("serve-briefly"):
        assert "answered on 127.0.0.1" in result.output, "no `quizlib serve` ran in this block"
    return f"ran in {result.seconds:.1f} s, exit {result.code}"


class _NotHere(Exception):
    pass


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, list[Outcome]]:
    results: dict[str, list[Outcome]] = {}
    for group in GROUPS:
        sandbox = h.make_sandbox(ROOT, tmp_path_factory.mktemp("docs") / "repo")
        for doc in group:
            _run_document(doc, sandbox, results.setdefault(doc.relative_to(ROOT).as_posix(), []))
    return results


def _run_document(doc: Path, sandbox: Path, mine: list[Outcome]) -> None:
    """Every block of one document, in order; its files are written first, as a reader would have them."""
    blocks = h.extract(doc, ROOT)
    for block in blocks:
        if block.marker("file"):
            _write_file(block, sandbox)
    for block in blocks:
        kind = h.classify(block)
        problem = _check_marker_reasons(block)
        if problem:
            mine.append(Outcome(block, kind, False, problem))
            continue
        try:
            if kind == "run":
                detail = _run(block, sandbox)
            elif kind == "yaml":
                detail = _check_yaml(block, sandbox)
            elif kind == "json":
                detail = _check_json(block, sandbox)
            elif kind == "markdown":
                detail = _check_markdown(block)
            elif kind == "file":
                detail = _check_file(block, sandbox)
            elif kind == "skip":
                detail = block.marker("skip").rest
            elif kind == "markup":
                detail = "page markup"
            else:
                raise AssertionError(f"a '{block.lang or 'plain'}' block the harness cannot check: run it as a "
                                     "command, or give it a docs-test marker (file, skip ...) saying what it is")
            if block.marker("file") and kind != "file":
                detail += "; " + _check_file(block, sandbox)
            mine.append(Outcome(block, kind, True, detail))
        except _NotHere as exc:
            mine.append(Outcome(block, kind, None, str(exc)))
        except Exception as exc:  # every failure of every block is reported, not only the first
            mine.append(Outcome(block, kind, False, f"{type(exc).__name__}: {exc}"))




@pytest.mark.parametrize("doc", [d.relative_to(ROOT).as_posix() for d in DOCS])
def test_every_example_of_the_document_works(outcomes, doc):
    failed = [f"{o.block.where} ({o.block.lang}): {o.detail}" for o in outcomes[doc] if o.ok is False]
    assert not failed, "\n\n".join(failed)
    not_here = [f"{o.block.where}: {o.detail}" for o in outcomes[doc] if o.ok is None]
    if not_here:
        pytest.skip("every other example works; not run here: " + "; ".join(not_here))


def test_every_block_is_checked_or_excused_and_counted(outcomes):
    """The inventory: how many blocks ran, were validated, or were excused (each with the reason in the
    Markdown). A document adding an example that runs nowhere shows up here, never silently."""
    counts: Counter[str] = Counter()
    lines = []
    for doc, items in outcomes.items():
        for o in items:
            counts[o.kind] += 1
            if o.kind == "skip":
                lines.append(f"{o.block.where}: not run: {o.detail}")
            elif o.kind == "run":
                lines.append(f"{o.block.where}: {o.detail}")
    assert counts["unknown"] == 0
    assert counts["run"] >= 10 and counts["yaml"] + counts["json"] >= 5
    skipped = [o for items in outcomes.values() for o in items if o.kind == "skip"]
    assert all(o.detail.strip() for o in skipped)
    # Excused blocks stay the exception: most examples run or are validated.
    assert len(skipped) * 4 <= sum(counts.values()), lines
    print("\n".join([f"docs examples: {dict(counts)}", *lines]))
