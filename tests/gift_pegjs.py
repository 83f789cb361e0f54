"""gift-pegjs (the npm GIFT parser used by GIFT editors and converters), run with Node.

``python3 run.py test`` installs it into ``.venv/gift`` with npm; without node or the
package the tests that use it skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: Where run.py installs it; QUIZLIB_GIFT_PEGJS may name another copy (a folder holding its package.json).
MODULE = Path(os.environ.get("QUIZLIB_GIFT_PEGJS")
              or Path(__file__).resolve().parent.parent / ".venv" / "gift" / "node_modules" / "gift-pegjs")

_SCRIPT = """
const parser = require(process.argv[1]);
const text = require('fs').readFileSync(0, 'utf8');
try { process.stdout.write(JSON.stringify(parser.parse(text))); }
catch (e) { process.stdout.write(JSON.stringify({error: e.message, location: e.location})); process.exit(3); }
"""


def parse(text: str) -> list[dict]:
    """The questions gift-pegjs reads from GIFT ``text`` (fails the test on a syntax error)."""
    node = shutil.which("node")
    if node is None or not MODULE.exists():
        pytest.skip("gift-pegjs is not installed (.venv/gift); `python3 run.py test` installs it with npm")
    proc = subprocess.run([node, "-e", _SCRIPT, str(MODULE)], input=text, capture_output=True, text=True)
    result = json.loads(proc.stdout or "{}")
    assert proc.returncode == 0, f"gift-pegjs: {result}"
    return result
