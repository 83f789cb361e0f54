"""The whole ``quizlib export`` run as one library call, and the report files it leaves.

``export_course`` writes one file per format plus ``export-report.json`` (every
note, machine-readable) and ``export-report.md`` (the same, per question, for a
person), so whatever a format could not carry is on disk next to the export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

from ..models import Bank
from .base import ExportReport, Severity, get_exporter


def export_course(
    banks: Sequence[Bank],
    formats: Iterable[str],
    out_dir: Path,
    *,
    stem: str = "course",
    title: str = "Course question banks",
    options: dict[str, object] | None = None,
) -> list[ExportReport]:
    """Export ``banks`` to every format in ``formats``; returns one report per format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    for name in formats:
        cls = get_exporter(name)
        exporter = cls(title=title, **(options or {}))
        reports.append(exporter.write(banks, out_dir / f"{stem}{cls.suffix}"))
    write_reports(reports, out_dir)
    return reports


def write_reports(reports: Sequence[ExportReport], out_dir: Path) -> tuple[Path, Path]:
    json_path = out_dir / "export-report.json"
    json_path.write_text(json.dumps([r.as_dict() for r in reports], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path = out_dir / "export-report.md"
    lines = ["# Export report", "",
             "What each format could not carry, per question. *lost*: absent from the export; "
             "*changed*: present, but the LMS scores or shows it differently from quizlib.", ""]
    for r in reports:
        lines += [f"## {r.format}: {r.path.name if r.path else ''}", "",
                  f"{r.questions} questions from {r.banks} banks; {r.affected} with notes "
                  f"({r.count(Severity.lost)} lost, {r.count(Severity.changed)} changed).", ""]
        if r.notes:
            lines += ["| question | | note |", "| --- | --- | --- |"]
            for n in r.notes:
                message = n.message.replace("|", "\\|")
                lines.append(f"| `{n.qid}` | {n.severity.value} | {message} |")
            lines.append("")
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return json_path, md_path
