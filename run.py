#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+ and git.

    python3 run.py book    # create .venv, install, build the book into _build/html
    python3 run.py test    # create .venv, install, run every test (the CI command)

Both commands are idempotent: the virtual environment is reinstalled only when
pyproject.toml changes. On a machine where we are root with apt-get (CI), the
test command also installs Debian's Chromium (and poppler-utils, whose pdftotext
reads the printed pages) for the browser tests if missing,
and starts a throwaway PostgreSQL on 127.0.0.1 so the grading service is tested
against it as well as SQLite. Elsewhere those tests skip and say why.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
SYSTEM_PACKAGES = {"/usr/bin/chromium": ["chromium"], "/usr/bin/pdftotext": ["poppler-utils"],  # browser + print tests
                   "/usr/sbin/nginx": ["nginx-light"], "/usr/bin/sqlite3": ["sqlite3"]}  # the deployment guide's checks
GIFT_PARSER = ["pygiftparser==1.1", "yattag>=1.15,<2"]
AXE = "axe-core@^4.10"  # accessibility engine the browser tests inject (from the npm registry)
GIFT_PEGJS = "gift-pegjs@^1.0.2"  # an independent GIFT parser the export/import tests read our GIFT with


def sh(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def ensure_venv() -> None:
    """Create .venv and install the package with its dev extras when pyproject.toml changed."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + repr((GIFT_PARSER, AXE, GIFT_PEGJS)).encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]")
    # The independent GIFT parser used by the export tests. Its metadata pins Markdown<3.1
    # (through MarkdownSuperscript), which conflicts with text2qti; it runs fine with the
    # current Markdown, so it is installed without its dependency pins.
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--no-deps", *GIFT_PARSER)
    if shutil.which("npm"):
        (VENV / "axe").mkdir(exist_ok=True)
        sh("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", VENV / "axe", AXE)
        (VENV / "gift").mkdir(exist_ok=True)
        sh("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", VENV / "gift", GIFT_PEGJS)
    else:
        print("note: npm not found; the accessibility (axe-core) and gift-pegjs tests will skip", flush=True)
    STAMP.write_text(digest)


def ensure_system_packages() -> None:
    """Install Debian packages the browser tests use, when we can (root + apt-get)."""
    missing = [pkg for path, pkgs in SYSTEM_PACKAGES.items() if not Path(path).exists() for pkg in pkgs]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"note: {', '.join(missing)} not installed and not root; browser tests will skip", flush=True)
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sh("apt-get", "update", "-qq", env=env)
    sh("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)


def postgres_url() -> str | None:
    """A throwaway PostgreSQL on 127.0.0.1 for the service tests, when we can start one (root + apt-get)."""
    if os.environ.get("QUIZLIB_TEST_PG_URL"):
        return os.environ["QUIZLIB_TEST_PG_URL"]
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print("note: not root with apt-get; the PostgreSQL variants of the service tests will skip", flush=True)
        return None
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "start_postgres.sh")], stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        print("note: could not start PostgreSQL; its service tests will skip", flush=True)
        return None
    return proc.stdout.strip()


SERVE = "python3 -m http.server -d _build/html 8000"


def build_book(extra: list[str]) -> int:
    cmd = [BIN / "jupyter-book", "build", ROOT, "--builder", "html", "-W", "-n", "--keep-going", *extra]
    print("+", " ".join(map(str, cmd)), flush=True)
    code = subprocess.run([str(c) for c in cmd]).returncode
    if code == 0:
        # Search (and the review queue's links) need the pages served over HTTP: from file://
        # the browser refuses the search index. Say how, in the last line the reader sees.
        print(f"\nTo read the book, serve it and open http://localhost:8000/ :\n    {SERVE}", flush=True)
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"book", "test"}:
        print(__doc__)
        return 2
    ensure_venv()
    if argv[0] == "book":
        return build_book(argv[1:])
    ensure_system_packages()
    env = dict(os.environ)
    url = postgres_url()
    if url:
        env["QUIZLIB_TEST_PG_URL"] = url
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *argv[1:]], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
