"""The whole ``quizlib form`` run as one library call: load, check, draw, write.

Kept apart from the command so tests and the benchmark drive exactly what the
command does, and the command module stays a thin layer of argument parsing and
printing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..blueprint import LocatedBlueprint, load_blueprint
from ..loader import BankError, BankLoadError, load_banks
from ..manifest import FormManifest
from ..models import Bank
from .draw import Drawer, DrawnForm, FormSpec
from .exposure import ExposureReport, exposure_report
from .layout import bank_hashes, build_manifest
from .render import WrittenForm, question_lookup, write_forms


@dataclass
class FormRun:
    located: LocatedBlueprint
    manifest: FormManifest
    exposure: ExposureReport
    written: list[WrittenForm]
    manifest_path: Path | None


def load_course(paths: Sequence[str | Path]) -> dict[Path, Bank]:
    """Banks by file, raising :class:`BankLoadError` with every located error of every file."""
    report = load_banks(paths)
    if report.errors:
        raise BankLoadError(report.errors)
    if not report.banks:
        where = " ".join(map(str, paths)) if not isinstance(paths, (str, Path)) else str(paths)
        raise BankLoadError([BankError(where, 1, 1, "", "no bank files (*.yml) found")])
    return report.banks


def build_forms(
    blueprint_path: str | Path,
    bank_paths: Sequence[str | Path],
    specs_for: Callable[[str], list[FormSpec]],
    out_dir: Path | None,
    html: bool = True,
    check: Callable[[list[DrawnForm], dict[Path, Bank]], None] | None = None,
) -> FormRun:
    """Draw every form; write ``manifest.json``, the HTML forms and keys into ``out_dir`` (if given).

    ``specs_for(exam_id)`` returns the :class:`FormSpec` list (variants or students).
    ``check(drawn, bank_files)`` runs after drawing and before anything is written, and may
    raise to stop (``quizlib form`` refuses questions whose key is public there).
    Raises :class:`~quizlib.blueprint.BlueprintError` / :class:`~quizlib.forms.DrawError`
    or :class:`~quizlib.loader.BankLoadError`; nothing is written then.
    """
    located = load_blueprint(blueprint_path)
    bank_files = load_course(bank_paths)
    drawer = Drawer(located, bank_files.values())
    specs: list[FormSpec] = specs_for(located.blueprint.exam_id)
    drawn = drawer.draw(specs)
    if check is not None:
        check(drawn, bank_files)
    used = {q.candidate.bank.id for f in drawn for q in f.questions}
    manifest = build_manifest(located.blueprint, drawn, bank_hashes(bank_files, used))
    report = exposure_report(drawer.pools, drawn)
    written: list[WrittenForm] = []
    manifest_path = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        manifest_path = out_dir / "manifest.json"
        manifest_path.write_text(manifest.model_dump_json(indent=2, exclude_none=True) + "\n", encoding="utf-8")
        (out_dir / "exposure.json").write_text(json.dumps({
            "forms": report.forms,
            "summary": report.summary(),
            "worst_stratum_spread": report.worst_spread,
            "worst_group_spread": report.worst_group_spread,
            "worst_relative_deviation": round(report.worst_relative, 4),
            "counts": dict(sorted(report.counts.items())),
        }, indent=2) + "\n", encoding="utf-8")
        if html:
            written = write_forms(out_dir, located.blueprint, manifest, question_lookup(bank_files.values()))
    return FormRun(located, manifest, report, written, manifest_path)
