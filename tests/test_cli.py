from __future__ import annotations

import json

from quizlib.cli import main

from .conftest import FIXTURES


def test_validate_ok(capsys):
    assert main(["validate", str(FIXTURES / "banks")]) == 0
    out = capsys.readouterr().out
    assert "1 bank(s), 10 question(s)" in out and "2 ordering" in out


def test_validate_reports_every_error_and_fails(capsys):
    assert main(["validate", str(FIXTURES / "bad")]) == 1
    err = capsys.readouterr().err
    assert err.count("five-mistakes.yml:") == 5
    assert "5 error(s) in 1 of 1 file(s); fix them and validate again" in err
    assert "Traceback" not in err


def test_validate_no_files(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    assert "no bank files" in capsys.readouterr().err


def test_schema_is_json_schema_with_discriminator(tmp_path):
    out = tmp_path / "bank.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    schema = json.loads(out.read_text())
    qs = schema["properties"]["questions"]["items"]
    assert qs["discriminator"]["propertyName"] == "type"
    assert set(qs["discriminator"]["mapping"]) == {
        "single", "multiple", "true_false", "short", "numeric", "matching", "ordering"
    }
    assert schema["additionalProperties"] is False


def test_export_refuses_bad_banks_and_locates_each_error_once(tmp_path, capsys):
    assert main(["export", str(FIXTURES / "bad"), "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    lines = [l for l in err.splitlines() if "five-mistakes.yml:" in l]
    assert len(lines) == 5 and all(l.count("five-mistakes.yml:") == 1 for l in lines)
    assert "nothing exported" in err and not any(tmp_path.iterdir())
