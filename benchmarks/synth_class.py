"""A synthetic class from the course banks, with a known ability model, for benchmarks and tests.

    .venv/bin/python benchmarks/synth_class.py --students 1000 --out /tmp/class
    .venv/bin/quizlib grade /tmp/class/responses.jsonl --manifest /tmp/class/manifest.json -o /tmp/class/out

Model (a two-parameter logistic item response model): each student has a latent
ability theta ~ N(0, 1); each question a difficulty b set by its authored
difficulty (easy -1, medium 0, hard +1, plus a little noise) and a
discrimination a = 1.7. A student answers correctly with probability
1 / (1 + exp(-a (theta - b))); a wrong answer is a plausible wrong response of
the question's type (a distractor, a missed option, two swapped pairs...).

One *planted bad item* (a single-choice question) reverses the model: the
abler the student, the likelier they pick one particular distractor, as happens
when a key is wrong or a distractor is defensible. ``quizlib stats`` should
flag it (negative discrimination, a distractor the top group prefers), and
facility should fall from easy to hard questions. ``truth.json`` records the
planted parameters so tests can check what the statistics recover.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizlib.loader import load_banks  # noqa: E402
from quizlib.manifest import Form, FormManifest, FormQuestion  # noqa: E402
from quizlib.models import Bank, QuestionBase  # noqa: E402

DIFFICULTY = {"easy": -1.0, "medium": 0.0, "hard": 1.0}
SLOPE = 1.7
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Planted:
    gid: str
    question: QuestionBase
    bank: Bank
    difficulty: float
    right: list      # responses that earn full credit (option ids, not letters)
    wrong: list      # plausible wrong responses; for the bad item, wrong[0] is the trap


def _wrong_responses(q: QuestionBase, rng: np.random.Generator) -> tuple[list, list]:
    """(right responses, wrong responses) of a question, in the answer shapes of ``quizlib.grading``."""
    t = q.type  # type: ignore[attr-defined]
    if t == "single":
        right = [o.id for o in q.options if o.correct]  # type: ignore[attr-defined]
        return right, [o.id for o in q.options if not o.correct]  # type: ignore[attr-defined]
    if t == "multiple":
        good = [o.id for o in q.options if o.correct]  # type: ignore[attr-defined]
        bad = [o.id for o in q.options if not o.correct]  # type: ignore[attr-defined]
        wrong = [good[:-1]] if len(good) > 1 else []
        wrong += [good + [b] for b in bad[:2]] + ([bad[:1]] if bad else [])
        return [good], [w for w in wrong if w] or [[]]
    if t == "true_false":
        return [q.answer], [not q.answer]  # type: ignore[attr-defined]
    if t == "short":
        texts = [a.text for a in q.answers if a.text and a.credit == 1.0]  # type: ignore[attr-defined]
        right = texts + [t.upper() for t in texts[:1]] + [f" {t.lower()}." for t in texts[:1]]
        return right, ["I do not know", "the treaty", "NATO"]
    if t == "numeric":
        ans = q.answer  # type: ignore[attr-defined]
        big = max(10.0, abs(ans) * 0.5, q.tolerance * 3)  # type: ignore[attr-defined]
        return [ans, str(ans)], [ans + big, ans - big, round(ans * 10 + big, 2)]
    if t == "matching":
        ids = [p.id for p in q.pairs]  # type: ignore[attr-defined]
        right = [{i: i for i in ids}]
        wrong = []
        for k in range(min(3, len(ids) - 1)):
            m = {i: i for i in ids}
            m[ids[k]], m[ids[k + 1]] = ids[k + 1], ids[k]
            wrong.append(m)
        return right, wrong
    ids = [i.id for i in q.items]  # type: ignore[attr-defined]
    wrong = []
    for k in range(min(3, len(ids) - 1)):
        w = list(ids)
        w[k], w[k + 1] = w[k + 1], w[k]
        wrong.append(w)
    return [ids], wrong


def pick_questions(banks: list[Bank], n_questions: int) -> list[tuple[Bank, QuestionBase]]:
    out = []
    for bank in banks:
        for q in bank.questions:
            if len(out) < n_questions:
                out.append((bank, q))
    if len(out) < n_questions:
        raise SystemExit(f"the banks hold only {len(out)} questions, {n_questions} wanted")
    return out


def plant(questions: list[tuple[Bank, QuestionBase]], rng: np.random.Generator) -> tuple[list[Planted], int]:
    items = []
    for bank, q in questions:
        b = DIFFICULTY[q.difficulty.value] + float(rng.normal(0, 0.25))
        right, wrong = _wrong_responses(q, rng)
        items.append(Planted(bank.global_id(q), q, bank, b, right, wrong))
    # The bad item: a medium single-choice question with at least three distractors if there is one.
    singles = [i for i, it in enumerate(items) if it.question.type == "single" and len(it.wrong) >= 2]
    medium = [i for i in singles if items[i].question.difficulty.value == "medium"]
    bad = (medium or singles)[len(medium or singles) // 2]
    return items, bad


def build_manifest(items: list[Planted], variants: int, rng: np.random.Generator) -> FormManifest:
    forms = []
    for v in range(1, variants + 1):
        fqs = []
        for n, it in enumerate(items, 1):
            q = it.question
            orders: dict = {}
            if q.type in ("single", "multiple"):
                ids = [o.id for o in q.options]
                orders["option_order"] = [ids[i] for i in (rng.permutation(len(ids)) if v > 1 else range(len(ids)))]
            elif q.type == "matching":
                ids = [r for r, _ in q.right_choices()]
                orders["right_order"] = [ids[i] for i in (rng.permutation(len(ids)) if v > 1 else range(len(ids)))]
            fqs.append(FormQuestion(qid=it.gid, number=n, points=q.points, **orders))
        forms.append(Form(form_id=f"synth/v{v}", variant=v, questions=fqs))
    return FormManifest(exam_id="synth", title="Synthetic class", forms=forms)


def _to_letters(value, table: dict[str, str] | None):
    if not table:
        return value
    if isinstance(value, str):
        return table.get(value, value)
    if isinstance(value, list):
        return [table.get(v, v) for v in value]
    if isinstance(value, dict):
        return {k: table.get(v, v) for k, v in value.items()}
    return value


def _letter_of(order: list[str]) -> dict[str, str]:
    return {oid: chr(65 + i) for i, oid in enumerate(order)}


def generate(
    out: Path,
    students: int,
    n_questions: int = 40,
    seed: int = 7,
    variants: int = 4,
    letters: bool = True,
    fmt: str = "jsonl",
    blank_rate: float = 0.02,
    banks_dir: Path = ROOT / "quizzes",
) -> dict:
    """Write responses (one line per student, a form each), the manifest and truth.json into ``out``."""
    rng = np.random.default_rng(seed)
    report = load_banks([banks_dir])
    if report.errors:
        raise SystemExit("the banks do not load: " + "; ".join(map(str, report.errors[:3])))
    banks = sorted(report.banks.values(), key=lambda b: b.id)
    items, bad = plant(pick_questions(banks, n_questions), rng)
    manifest = build_manifest(items, variants, rng)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(manifest.model_dump_json(indent=1), encoding="utf-8")

    # Pre-render each possible response of each item on each variant once (as JSON or as a CSV cell).
    rendered: list[list[tuple[list[str], list[str]]]] = []  # [variant][item] -> (right texts, wrong texts)
    for form in manifest.forms:
        per_item = []
        for it, fq in zip(items, form.questions):
            table = _letter_of(fq.option_order or fq.right_order or []) if letters else None
            enc = (lambda v: json.dumps(_to_letters(v, table), ensure_ascii=False)) if fmt == "jsonl" else (
                lambda v: _cell(_to_letters(v, table))
            )
            per_item.append(([enc(v) for v in it.right], [enc(v) for v in it.wrong]))
        rendered.append(per_item)

    theta = rng.normal(0.0, 1.0, students)
    b = np.array([it.difficulty for it in items])
    p = 1.0 / (1.0 + np.exp(-SLOPE * (theta[:, None] - b[None, :])))
    p[:, bad] = 1.0 / (1.0 + np.exp(SLOPE * (theta - 0.0)))  # reversed: abler students miss it
    correct = rng.random(p.shape) < p
    blank = rng.random(p.shape) < blank_rate
    pick = rng.integers(0, 1 << 30, p.shape)
    # On the bad item, a wrong answer is the trap distractor (wrong[0]) for students above average.
    trap = theta > 0
    keys = [it.question.id for it in items]  # question ids are unique across the course
    variant_of = np.arange(students) % variants
    path = out / ("responses.jsonl" if fmt == "jsonl" else "responses.csv")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            fh.write(",".join(["student", "form", *keys]) + "\n")
        for s in range(students):
            v = int(variant_of[s])
            parts = []
            for j in range(len(items)):
                if blank[s, j]:
                    parts.append(None)
                    continue
                right, wrong = rendered[v][j]
                if correct[s, j]:
                    parts.append(right[pick[s, j] % len(right)])
                elif j == bad and trap[s]:
                    parts.append(wrong[0])
                else:
                    parts.append(wrong[pick[s, j] % len(wrong)])
            sid = f"s{s + 1:06d}"
            form_id = f"synth/v{v + 1}"
            if fmt == "jsonl":
                answers = ", ".join(f'"{k}": {t}' for k, t in zip(keys, parts) if t is not None)
                fh.write(f'{{"student": "{sid}", "form": "{form_id}", "answers": {{{answers}}}}}\n')
            else:
                fh.write(",".join([sid, form_id, *(_csv_quote(t or "") for t in parts)]) + "\n")
    truth = {
        "students": students,
        "seed": seed,
        "slope": SLOPE,
        "bad_item": items[bad].gid,
        "trap_option": items[bad].wrong[0],
        "difficulty": {it.gid: it.difficulty for it in items},
        "authored": {it.gid: it.question.difficulty.value for it in items},
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return truth


def _cell(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(map(str, value))
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _csv_quote(text: str) -> str:
    if any(c in text for c in ',"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--variants", type=int, default=4, help="form variants (option orders shuffled)")
    ap.add_argument("--ids", action="store_true", help="answer with option ids instead of displayed letters")
    ap.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--banks", type=Path, default=ROOT / "quizzes")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    truth = generate(args.out, args.students, args.questions, args.seed, args.variants, not args.ids, args.format,
                     banks_dir=args.banks)
    print(f"wrote {args.students} students x {args.questions} questions to {args.out} (bad item: {truth['bad_item']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
