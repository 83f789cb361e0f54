"""The production deployment files of the instructor guide (book/instructor/service.md), checked by their consumers.

The guide shows a systemd unit, its environment file and an nginx site, each marked
``<!-- docs-test: file deploy/... -->``. Here systemd reads the unit (``systemd-analyze
verify``), the unit's command starts a real ``quizlib serve`` with the environment file's
settings, and nginx reads the site (``nginx -t``). What is replaced, and only that: the
course folder ``/srv/course`` by this checkout, the environment file's path by a copy, its
database by a temporary SQLite file, the port by a free one, and the certificate paths by a
self-signed certificate made for the test. Each check is skipped, saying so, when its tool
is not installed (``python3 run.py test`` installs nginx-light on a Debian machine).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from quizlib.server.process import ServiceProcess, free_port

from . import docs_harness as h
from .conftest import ROOT

GUIDE = ROOT / "book" / "instructor" / "service.md"
COURSE = "/srv/course"


def _file_block(name: str) -> str:
    for block in h.extract(GUIDE, ROOT):
        marker = block.marker("file")
        if marker and marker.rest.split()[0] == name:
            return block.content
    raise AssertionError(f"{GUIDE.name} has no block marked 'docs-test: file {name}'")


def _unit_value(unit: str, key: str) -> str:
    values = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith(f"{key}=")]
    assert len(values) == 1, f"the unit sets {key} {len(values)} times"
    return values[0]


def _environment(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))


def test_the_unit_is_valid_for_systemd(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    env_file = tmp_path / "quizlib.env"
    env_file.write_text(_file_block("deploy/quizlib.env"), encoding="utf-8")
    unit = _file_block("deploy/quizlib.service")
    assert _unit_value(unit, "EnvironmentFile") == "/etc/quizlib/quizlib.env"
    local = unit.replace(COURSE, str(ROOT)).replace("/etc/quizlib/quizlib.env", str(env_file))
    path = tmp_path / "quizlib.service"
    path.write_text(local, encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60)
    complaints = [line for line in (proc.stdout + proc.stderr).splitlines() if "quizlib.service" in line]
    assert proc.returncode == 0 and not complaints, proc.stdout + proc.stderr


def test_the_units_command_serves_with_the_environment_files_settings(tmp_path: Path) -> None:
    unit = _file_block("deploy/quizlib.service")
    words = shlex.split(_unit_value(unit, "ExecStart"))
    assert words[0] == f"{COURSE}/.venv/bin/quizlib" and words[1] == "serve"
    args = words[2:]
    host = args[args.index("--host") + 1]
    assert host == "127.0.0.1", "only the proxy on this machine should reach the service"
    settings = _environment(_file_block("deploy/quizlib.env"))
    assert settings["QUIZLIB_DATABASE_URL"].startswith("postgresql://")
    settings["QUIZLIB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'service.db'}"
    # ServiceProcess adds --db, --host, --port and --workers; the unit's other options are passed as written.
    rest, skip = [], {"--host", "--port", "--workers"}
    it = iter(args)
    for word in it:
        if word in skip:
            next(it)
        else:
            rest.append(word)
    with ServiceProcess(settings["QUIZLIB_DATABASE_URL"], tmp_path / "serve.log", port=free_port(),
                        workers=int(args[args.index("--workers") + 1]),
                        env={**settings, "PYTHONPATH": str(ROOT)}, extra_args=rest) as server:
        health = httpx.get(f"{server.base_url}/api/health", timeout=30)
        assert health.status_code == 200 and health.json()["ok"]
        signin = httpx.get(f"{server.base_url}/signin", timeout=30)
        assert signin.status_code == 200


def test_the_nginx_site_is_valid_for_nginx(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed here (python3 run.py test installs nginx-light on Debian)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed here (needed to make the test certificate)")
    site = _file_block("deploy/nginx-quizlib.conf")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=quiz.example.org",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    live = "/etc/letsencrypt/live/quiz.example.org"
    assert f"{live}/fullchain.pem" in site and f"{live}/privkey.pem" in site
    (tmp_path / "site.conf").write_text(site.replace(f"{live}/fullchain.pem", str(cert))
                                        .replace(f"{live}/privkey.pem", str(key)), encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    proc = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "syntax is ok" in proc.stderr, proc.stderr
    for header in ("Strict-Transport-Security", "X-Forwarded-For", "X-Forwarded-Proto"):
        assert header in site
    assert "client_max_body_size 8m" in site  # the instructor's largest request (settings.instructor_body_limit)
    unit_args = shlex.split(_unit_value(_file_block("deploy/quizlib.service"), "ExecStart"))
    where = f"{unit_args[unit_args.index('--host') + 1]}:{unit_args[unit_args.index('--port') + 1]}"
    assert f"server {where};" in site, "the proxy does not send to where the unit listens"
