"""The open-loop load benchmark (benchmarks/bench_server_load.py) runs and reports: its --quick smoke mode.

No timing is asserted (figures belong to the benchmark's report, not to a test); the run must
finish, with every configuration answering every request (0 errors), every acknowledged
submission found in the database after ``kill -9`` (0 lost), and the figures present.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_run_reports_every_configuration_with_no_error_and_nothing_lost(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_server_load.py"), "--quick", "--json", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "machine:" in run.stdout and "summary (same run):" in run.stdout
    figures = {c["config"]: c for c in json.loads(out.read_text())}
    assert set(figures) == {"trivial", "sqlite-1", "sqlite-N"}
    for name, config in figures.items():
        assert config["steps"], name
        for step in config["steps"]:
            assert step["errors"] == 0, (name, step)
            assert step["requests"] >= 50, (name, step)  # 20 req/s for 3 s
            assert math.isfinite(step["p99"]) and step["cpu_ms"] > 0, (name, step)
        if name != "trivial":
            assert config["lost"] == 0 and config["acked"] > 0, (name, config)
            assert math.isfinite(config["steps"][0]["x_trivial"]), name
