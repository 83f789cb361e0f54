"""Run the examples of the README and the guides: extraction, markers, the sandbox, and each block's checks.

Every fenced block of a document is one of:

* a **command** block (``bash``, ``sh``, ``shell``, ``console``): run with bash in the sandbox,
  a copy of the repository where ``.venv/bin/quizlib`` is the installed command reading the
  copy's code; it must exit 0 (or as its marker says), print no traceback, write every file
  it names with ``-o``/``--out``/``--output``/``--csv``..., and any PDF it prints must carry
  no browser header or footer (``pdftotext`` finds no ``file://`` address in it);
* a **YAML** block: parsed; a bank is validated by ``quizlib``'s loader and by the JSON
  Schema ``quizlib schema`` writes; a blueprint is validated; ``sphinx: config:`` keys
  named ``quizlib_*`` must be settings the Sphinx extension declares;
* a **JSON** block: parsed (JSON or JSON Lines); attempts are checked against the attempt
  model, a form against the manifest model, an editor's ``yaml.schemas`` setting against
  the schema file it names and the banks its glob matches;
* a **Markdown** block: every directive it uses must be one the extension registers;
* a MyST directive of the page itself (```` ```{admonition} ````): page markup, not an example.

An HTML comment right before a block changes that, and must say why:

``<!-- docs-test: file PATH -->``
    the block is the content of PATH; every such file of a document is written into the sandbox
    before the document's commands run (a CSV of responses is also graded and must have no
    rejected row);
``<!-- docs-test: exit CODES REASON -->``
    the command block exits with one of CODES (``1`` or ``0,1``);
``<!-- docs-test: serve-briefly REASON -->``
    a ``quizlib serve`` that runs until stopped is started on a free port on 127.0.0.1, must
    answer there, and is stopped;
``<!-- docs-test: same-as PATH REASON -->``
    the YAML block must hold the same data as the repository's file PATH;
``<!-- docs-test: skip REASON -->``
    not run; counted and listed by the test.

A block the harness cannot classify and that has no marker fails the test, so a new kind of
example is never skipped silently.
"""

from __future__ import annotations

from quizlib.commands.serve import ACTIONS as SERVE_ACTION_NAMES

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

COMMAND_LANGS = {"bash", "sh", "shell", "console"}
YAML_LANGS = {"yaml", "yml"}
JSON_LANGS = {"json", "jsonl"}
MARKDOWN_LANGS = {"markdown", "md", "myst"}
MARKER = re.compile(r"docs-test:\s*(?P<kind>[a-z-]+)\s*(?P<rest>.*?)\s*$")
#: Options whose value is a file or folder the command writes.
OUTPUT_OPTIONS = {"-o", "--out", "--output", "--csv", "--options-csv", "--test-json", "--schema"}
#: The serve actions that run and exit; ``quizlib serve`` without one of them (and without --init) serves.
SERVE_ACTIONS = set(SERVE_ACTION_NAMES)  # offline actions of `quizlib serve`; anything else starts the server
BLOCK_TIMEOUT = 600


@dataclass
class Marker:
    kind: str
    rest: str


@dataclass
class Block:
    doc: str
    line: int
    lang: str
    content: str
    markers: list[Marker] = field(default_factory=list)

    def marker(self, kind: str) -> Marker | None:
        return next((m for m in self.markers if m.kind == kind), None)

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def extract(path: Path, root: Path) -> list[Block]:
    """Every fenced block of a Markdown file, with the docs-test markers of the HTML comments right before it."""
    return _fences(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix(), 0)


def _fences(text: str, doc: str, offset: int) -> list[Block]:
    blocks: list[Block] = []
    pending: list[Marker] = []
    for tok in MarkdownIt("commonmark").parse(text):
        if tok.type == "html_block":
            found = (MARKER.search(line.replace("-->", "")) for line in tok.content.splitlines())
            pending += [Marker(m.group("kind"), m.group("rest")) for m in found if m]
            continue
        if tok.type == "fence":
            line = offset + (tok.map[0] + 1 if tok.map else 0)
            lang = (tok.info.split() or [""])[0].lower()
            blocks.append(Block(doc, line, lang, tok.content, pending))
            if lang.startswith("{"):  # a MyST directive: its body may hold examples of its own
                blocks += _fences(tok.content, doc, line)
        pending = []  # a marker applies to the block right after it, nothing else in between
    return blocks


def classify(block: Block) -> str:
    """run, yaml, json, markdown, file, skip, markup; or 'unknown' for a block needing a marker."""
    if block.marker("skip"):
        return "skip"
    if block.lang.startswith("{"):
        return "markup"
    if block.lang in COMMAND_LANGS:
        return "run"
    if block.lang in YAML_LANGS:
        return "yaml"
    if block.lang in JSON_LANGS:
        return "json"
    if block.lang in MARKDOWN_LANGS:
        return "markdown"
    if block.marker("file"):
        return "file"
    return "unknown"


# -- the sandbox -------------------------------------------------------------------------------------

_WRAPPER = '''#!{python}
"""quizlib as installed, reading the sandbox's code; `serve` that runs until stopped, when the block's
marker allows it, is started on a free local port, must answer, and is stopped (docs_harness.py)."""
import os, signal, socket, subprocess, sys, time

REAL = {real!r}
args = sys.argv[1:]
if (os.environ.get("QUIZLIB_DOCS_SERVE_BRIEFLY") == "1" and args[:1] == ["serve"]
        and "--init" not in args and not set(args) & {actions!r}):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out, skip = [], False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a in ("--port", "--host"):
            skip = True
            continue
        out.append(a)
    # Its own process group, so the workers it starts are stopped with it.
    proc = subprocess.Popen([REAL, *out, "--host", "127.0.0.1", "--port", str(port)], start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        code = proc.poll()
        if code is None:
            os.killpg(proc.pid, signal.SIGKILL)
        sys.exit(f"quizlib serve did not answer on port {{port}} (exit {{code}})")
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    print(f"docs-test: quizlib serve answered on 127.0.0.1:{{port}} and was stopped")
    sys.exit(0)
os.execv(REAL, [REAL, *args])
'''


def make_sandbox(root: Path, target: Path) -> Path:
    """A copy of the repository (no build output, no caches) whose .venv/bin runs the installed tools."""
    ignore = shutil.ignore_patterns(".git", ".venv", "_build", "__pycache__", ".hypothesis", ".pytest_cache",
                                    "dist", "*.egg-info", "quizlib-service.db*", "tests")
    shutil.copytree(root, target, ignore=ignore, symlinks=True)
    real_bin = Path(sys.executable).parent
    venv_bin = target / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    # Only the tools the documents call, and never pip: the interpreter is the shared environment's, and
    # an install from the sandbox would repoint it (run.py installs; its blocks are excused in the docs).
    for name in ("jupyter-book",):
        if (real_bin / name).exists():
            (venv_bin / name).symlink_to(real_bin / name)
    for name in ("python", "python3"):
        guard = venv_bin / name
        guard.write_text(_PYTHON_GUARD.format(python=sys.executable), encoding="utf-8")
        guard.chmod(0o755)
    wrapper = venv_bin / "quizlib"
    wrapper.write_text(_WRAPPER.format(python=sys.executable, real=str(real_bin / "quizlib"),
                                       actions=SERVE_ACTIONS), encoding="utf-8")
    wrapper.chmod(0o755)
    (target / ".venv" / ".installed").write_text("docs sandbox: run.py must not install here\n", encoding="utf-8")
    return target


_PYTHON_GUARD = """#!/bin/sh
# The shared environment's Python, minus pip (docs_harness.py): the sandbox must not install anything.
for a in "$@"; do
  case "$a" in pip|ensurepip) echo "docs-test: pip is not run in the docs sandbox" >&2; exit 3;; esac
done
exec {python} "$@"
"""


def sandbox_env(sandbox: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(sandbox)
    env.pop("QUIZLIB_DATABASE_URL", None)
    env.pop("QUIZLIB_INSTRUCTOR_TOKEN", None)
    env["COLUMNS"] = "200"
    return env


# -- commands ----------------------------------------------------------------------------------------


def script_of(block: Block) -> str:
    if block.lang == "console":
        return "\n".join(line[2:] for line in block.content.splitlines() if line.startswith("$ "))
    return block.content


def commands_of(script: str) -> list[list[str]]:
    """Simple commands of a script (continuations joined, comments dropped), as argument lists."""
    joined = re.sub(r"\\\n\s*", " ", script)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        if words:
            out.append(words)
    return out


def written_paths(script: str) -> list[str]:
    """Files and folders the commands say they write (the value after -o, --out, --csv ...)."""
    paths = []
    for words in commands_of(script):
        for opt, value in zip(words, words[1:]):
            if opt in OUTPUT_OPTIONS and not value.startswith("-") and "$" not in value:
                paths.append(value)
    return paths


def missing_tools(script: str) -> list[str]:
    """External programs a command block needs that this machine lacks (the block is then not run, and said)."""
    wanted = {words[0] for words in commands_of(script)} | set(re.findall(r"\b(chromium)\b", script))
    return sorted(t for t in wanted if "/" not in t and t not in {"for", "do", "done", "cd", "mkdir", "echo"}
                  and shutil.which(t) is None)


@dataclass
class RunResult:
    code: int
    output: str
    seconds: float


#: Commands that install software or rebuild the environment: a block with one must be excused in the Markdown.
NEVER_RUN = re.compile(r"\brun\.py\b|\bpip\s+install\b|\bplaywright\s+install\b|\bapt-get\b")


def run_block(block: Block, sandbox: Path) -> RunResult:
    if NEVER_RUN.search(script_of(block)):
        raise AssertionError("installs software or rebuilds the environment; excuse the block with a "
                             "docs-test skip marker saying which test covers it")
    env = sandbox_env(sandbox)
    if block.marker("serve-briefly"):
        env["QUIZLIB_DOCS_SERVE_BRIEFLY"] = "1"
    started = time.perf_counter()
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script_of(block)], cwd=sandbox, env=env,
                          capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
    return RunResult(proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - started)


def expected_exits(block: Block) -> set[int]:
    m = block.marker("exit")
    if m is None:
        return {0}
    codes = m.rest.split()[0] if m.rest else ""
    return {int(c) for c in codes.split(",") if c.strip().isdigit()}


def pdf_has_browser_header(pdf: Path) -> bool:
    """Chromium prints the date and title at the top and the file:// address and page at the bottom of every
    page unless told not to; the address is the unmistakable part."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    return "file://" in text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def yaml_data(text: str):
    return yaml.safe_load(text)


def json_values(text: str) -> list:
    """A JSON document, or the lines of a JSON Lines file."""
    try:
        return [json.loads(text)]
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
