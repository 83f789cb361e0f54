"""Imported questions to bank files: one bank per source category, placeholders where only an
author can write, and every file checked against the bank format before it is written.

A bank's file name and ``page`` come from its category path below the part all the
categories share (``Course/01 Intro/02 Terms`` -> ``01-intro/02-terms.yml``), so a bank
exported by ``quizlib export`` comes back at the path it was exported from. The ``page``
is the file's path under the ``quizzes/`` folder it is written into (the book page the
bank belongs with); its title is the category's name without the leading section number.

Fields Moodle does not have (a question's objective, source and difficulty, and the
bank's objectives) are written as the placeholder ``TODO`` with a comment; ``quizlib
validate`` stops at each with the line and what to write. Every other field is checked
now, by validating the bank with the placeholders filled in: a question the bank format
rejects is reported and left out, never written broken.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..models import PLACEHOLDER, Bank
from ._text import slug
from .base import ImportedQuestion, ImportNote, NoteKind

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: same YAML, faster

#: What the placeholders are replaced with to check everything else in a bank.
_STAND_INS = {"objective": "imported", "source": "imported", "difficulty": "medium", "explanation": "imported"}
_COMMENTS = {
    "objective": "the id of one of this bank's objectives",
    "source": "the label of the heading in the book page that supports the answer",
    "difficulty": "easy, medium or hard",
    "explanation": "why the answer is right (the source had no general feedback)",
}


@dataclass
class ImportedBank:
    path: Path
    data: dict[str, Any]
    questions: list[ImportedQuestion] = field(default_factory=list)

    @property
    def placeholders(self) -> int:
        return sum(1 for q in self.data["questions"] for k in _STAND_INS if q.get(k) == PLACEHOLDER) + sum(
            1 for o in self.data["objectives"] for v in o.values() if v == PLACEHOLDER)


def _quizzes_root(out_dir: Path) -> Path:
    """The ``quizzes`` folder ``out_dir`` is in (page names are relative to it), else ``out_dir``."""
    resolved = out_dir.resolve()
    for parent in (resolved, *resolved.parents):
        if parent.name == "quizzes":
            return parent
    return resolved


def _title(name: str) -> str:
    return re.sub(r"^\d+[\s.)-]+", "", name).strip() or name


def plan_banks(questions: list[ImportedQuestion], out_dir: Path, notes: list[ImportNote]) -> list[ImportedBank]:
    """Group questions by category into banks under ``out_dir``; checks each bank, reporting (and
    leaving out) any question the bank format rejects."""
    categories = list(dict.fromkeys(q.category for q in questions))
    shared = 0
    if len(categories) > 1:
        while all(len(c) > shared + 1 for c in categories) and len({c[shared] for c in categories}) == 1:
            shared += 1
    elif categories and len(categories[0]) > 1:
        shared = len(categories[0]) - 1
    root = _quizzes_root(out_dir)
    banks: dict[tuple[str, ...], ImportedBank] = {}
    used_paths: set[Path] = set()
    for cat in categories:
        rel_parts = [slug(p) for p in cat[shared:]] or ["imported"]
        path = out_dir.joinpath(*rel_parts[:-1], rel_parts[-1] + ".yml")
        k = 2
        while path in used_paths:
            path = path.with_name(f"{rel_parts[-1]}-{k}.yml")
            k += 1
        used_paths.add(path)
        try:
            page = path.resolve().relative_to(root).with_suffix("").as_posix()
        except ValueError:
            page = path.with_suffix("").as_posix()
        data = {"schema_version": 1, "page": page, "title": _title(cat[-1]) if cat else "Imported questions",
                "objectives": [{"id": PLACEHOLDER, "text": PLACEHOLDER}], "questions": []}
        banks[cat] = ImportedBank(path, data)
    for q in questions:
        bank = banks[q.category]
        data = q.data
        taken = {x["id"] for x in bank.data["questions"]}
        if data["id"] in taken:
            base, k = data["id"], 2
            while f"{base}-{k}" in taken:
                k += 1
            data = {**data, "id": f"{base}-{k}"}
            notes.append(ImportNote(q.file, q.line, q.name, NoteKind.changed,
                                    f"id '{base}' is taken in this bank; written as '{data['id']}'"))
        problem = _check(bank.data, data)
        if problem:
            notes.append(ImportNote(q.file, q.line, q.name, NoteKind.skipped, f"not a valid bank question: {problem}"))
            continue
        bank.data["questions"].append(data)
        bank.questions.append(q)
    out = [b for b in banks.values() if b.data["questions"]]
    for bank in out:
        objectives = sorted({q["objective"] for q in bank.data["questions"] if q["objective"] != PLACEHOLDER})
        if objectives:
            bank.data["objectives"] = [{"id": o, "text": PLACEHOLDER} for o in objectives]
            if any(q["objective"] == PLACEHOLDER for q in bank.data["questions"]):
                bank.data["objectives"].append({"id": PLACEHOLDER, "text": PLACEHOLDER})
    return out


def stand_in(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of bank data with every placeholder replaced by a valid value."""
    filled = copy.deepcopy(data)
    declared = set()
    for q in filled["questions"]:
        for key, value in _STAND_INS.items():
            if q.get(key) == PLACEHOLDER:
                q[key] = value
        declared.add(q["objective"])
    filled["objectives"] = [{"id": o, "text": "imported"} for o in sorted(declared)] or [{"id": "imported", "text": "x"}]
    return filled


def _check(bank: dict[str, Any], question: dict[str, Any]) -> str | None:
    trial = {**bank, "questions": [question]}
    try:
        Bank.model_validate(stand_in(trial))
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'][2:]) or 'question'}: {e['msg']}"
                         for e in exc.errors(include_url=False))
    return None


def bank_yaml(bank: ImportedBank) -> str:
    """The bank's YAML, a comment after each placeholder saying what to write there."""
    text = yaml.dump(bank.data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    lines = []
    for line in text.splitlines():
        m = re.match(r"^(\s*)(?:- )?(\w+): TODO$", line)
        if m and m.group(2) in _COMMENTS:
            line += f"  # {_COMMENTS[m.group(2)]}"
        elif m and m.group(2) in ("id", "text"):
            line += "  # the bank's learning objective" + (" id" if m.group(2) == "id" else "")
        lines.append(line)
    header = [f"# Imported by `quizlib import`. Replace every TODO (`quizlib validate {bank.path}` lists them),",
              "# then check the page, title and questions against the book.", ""]
    return "\n".join((header if bank.placeholders else []) + lines) + "\n"


def write_banks(banks: list[ImportedBank], overwrite: bool = False) -> list[Path]:
    """Write every bank; refuses (before writing any) to replace an existing file unless ``overwrite``."""
    existing = [b.path for b in banks if b.path.exists()]
    if existing and not overwrite:
        raise FileExistsError(", ".join(str(p) for p in existing))
    for bank in banks:
        bank.path.parent.mkdir(parents=True, exist_ok=True)
        bank.path.write_text(bank_yaml(bank), encoding="utf-8")
    return [b.path for b in banks]
