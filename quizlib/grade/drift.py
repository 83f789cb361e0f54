"""Banks edited after the forms were drawn: one warning per question of the forms that is affected.

``quizlib form`` records in the manifest a sha256 of every bank file it drew
from and of every question it put on a form. When a bank file's hash no
longer matches, the paper forms may show a question (its text, options or key)
that the bank no longer holds, and grading then uses the current key; the
instructor must know which questions, so they can check that the change was
the intended fix and not an accident. Manifests written before per-question
hashes name every question of a changed bank that appears on the forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..forms.layout import file_sha256, question_sha256
from ..manifest import FormManifest
from ..models import Bank


def manifest_drift(manifest: FormManifest, bank_files: Mapping[Path, Bank]) -> list[str]:
    """Warnings, one per question on the forms whose bank file changed since the manifest was written."""
    if not manifest.bank_hashes:
        return []
    by_id = {bank.id: (path, bank) for path, bank in bank_files.items()}
    on_forms: dict[str, list[str]] = {}
    for form in manifest.forms:
        for fq in form.questions:
            bank_id = fq.qid.rsplit("/", 1)[0]
            if bank_id in manifest.bank_hashes and fq.qid not in on_forms.setdefault(bank_id, []):
                on_forms[bank_id].append(fq.qid)
    warnings: list[str] = []
    for bank_id, drawn_hash in sorted(manifest.bank_hashes.items()):
        hit = by_id.get(bank_id)
        if hit is None:
            warnings += [f"{qid}: its bank '{bank_id}' is not among the banks given" for qid in on_forms.get(bank_id, [])]
            continue
        path, bank = hit
        if file_sha256(path) == drawn_hash:
            continue
        questions = {bank.global_id(q): q for q in bank.questions}
        for qid in sorted(on_forms.get(bank_id, [])):
            current = questions.get(qid)
            recorded = manifest.question_hashes.get(qid)
            if current is None:
                warnings.append(f"{qid}: removed from {path} after the forms were drawn; its answers cannot be graded")
            elif recorded is None:
                warnings.append(
                    f"{qid}: {path} changed after the forms were drawn (this manifest has no per-question hashes): "
                    "check that the question and its key still match the printed forms"
                )
            elif recorded != question_sha256(current):
                warnings.append(
                    f"{qid}: edited in {path} after the forms were drawn; it is graded with the current key, "
                    "which may differ from the printed form"
                )
    return warnings
