"""Issue 2 figures: loading + validating 300 questions (cold process and warm), and
grading throughput per question type.

    .venv/bin/python benchmarks/bench_load_grade.py

Cold = a fresh interpreter that imports quizlib and loads the banks (what
`quizlib validate` costs); warm = loading again in the same process. As a
baseline measured in the same run we also time PyYAML's C-less safe_load of the
same text, to show what the line-number-keeping parser costs.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _machine import machine, median_time  # noqa: E402

from quizlib.grading import grade  # noqa: E402
from quizlib.loader import dump_bank, load_bank, load_banks  # noqa: E402
from quizlib.models import Bank  # noqa: E402

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "banks" / "all-types.yml"


def make_banks(folder: Path, n_questions: int = 300, per_bank: int = 10) -> None:
    """30 banks x 10 questions, copies of the fixture's questions with fresh ids."""
    base = load_bank(FIXTURE)
    for b in range(n_questions // per_bank):
        data = base.model_dump(mode="json")
        data["page"] = f"bench/{b:02d}"
        for i, q in enumerate(data["questions"]):
            q["id"] = f"b{b}-q{i}"
        (folder / f"{b:02d}.yml").write_text(dump_bank(Bank.model_validate(data)))


def responses_for(q, rng: random.Random) -> list:
    t = q.type
    if t == "single":
        return [rng.choice(q.options).id for _ in range(200)]
    if t == "multiple":
        return [rng.sample([o.id for o in q.options], rng.randint(1, len(q.options))) for _ in range(200)]
    if t == "true_false":
        return [rng.random() < 0.5 for _ in range(200)]
    if t == "short":
        return [rng.choice(["Malabar", "malabar naval exercise", "RIMPAC", "Málabar!", "nope"]) for _ in range(200)]
    if t == "numeric":
        return [rng.choice([1949, 1950, "1949", 3652.5, "x"]) for _ in range(200)]
    if t == "matching":
        ids = [r for r, _ in q.right_choices()]
        return [{p.id: rng.choice(ids) for p in q.pairs} for _ in range(200)]
    items = [i.id for i in q.items]
    return [rng.sample(items, len(items)) for _ in range(200)]


def main() -> None:
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_banks(folder)
        texts = [p.read_text() for p in sorted(folder.glob("*.yml"))]
        report = load_banks([folder])
        n_q = sum(len(b.questions) for b in report.banks.values())
        assert not report.errors and n_q == 300

        code = f"from quizlib.loader import load_banks; r = load_banks([{str(folder)!r}]); assert not r.errors"
        cold = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            cold.append(time.perf_counter() - t)
        cold.sort()
        startup = median_time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeat=5)
        warm = median_time(lambda: load_banks([folder]), repeat=7)

        import yaml  # PyYAML, only as the baseline

        pyyaml = median_time(lambda: [yaml.safe_load(t) for t in texts], repeat=7)
        print(f"load+validate 300 questions (30 files): cold process {cold[2] * 1000:.0f} ms median "
              f"(bare interpreter start {startup * 1000:.0f} ms), warm {warm * 1000:.1f} ms median")
        print(f"  baseline PyYAML safe_load of the same files (no validation, no positions): {pyyaml * 1000:.1f} ms "
              f"-> quizlib warm load is {warm / pyyaml:.2f}x the bare parse")

    bank = load_bank(FIXTURE)
    rng = random.Random(1)
    print("grading throughput (responses/s, median of 7 runs of 200 mixed right/wrong/invalid responses):")
    by_type: dict[str, list] = {}
    for q in bank.questions:
        by_type.setdefault(q.type, []).append(q)
    for t, qs in by_type.items():
        work = [(q, r) for q in qs for r in responses_for(q, rng)]
        sec = median_time(lambda: [grade(q, r) for q, r in work], repeat=7)
        print(f"  {t:<11} {len(work) / sec:>10,.0f}/s")


if __name__ == "__main__":
    main()
