"""The JSON Schema written by ``quizlib schema`` accepts exactly what ``quizlib validate`` accepts.

Checked with the consumer's side of the contract, the ``jsonschema`` library
(Draft 2020-12, formats checked): every shipped bank, generated valid banks in
every form the format allows (plain-text ordering items and short answers,
padded text, whole numbers for points), and generated broken banks. A broken
bank must be rejected by both, except for the checks JSON Schema cannot
express, which the schema lists in its ``$comment`` (duplicate ids and texts,
an objective the bank does not declare): those only ``validate`` catches.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import ValidationError

from quizlib.bank_schema import NOT_IN_SCHEMA, bank_schema
from quizlib.cli import main
from quizlib.loader import compose_yaml, iter_bank_files
from quizlib.models import Bank
from quizlib.schema_versions import SchemaVersionError, upgrade

from .conftest import FIXTURES, ROOT
from .strategies import bank_dicts

VALIDATOR = Draft202012Validator(bank_schema(), format_checker=FormatChecker())


def _model_verdict(data) -> tuple[bool, set[str]]:
    """(accepted, error types) as ``quizlib validate`` decides (upgrade, then the model)."""
    try:
        Bank.model_validate(upgrade(copy.deepcopy(data)) if isinstance(data, dict) else data)
    except ValidationError as exc:
        return False, {e["type"] for e in exc.errors()}
    except SchemaVersionError:
        return False, {"schema_version"}
    return True, set()


def _schema_accepts(data) -> bool:
    return not any(True for _ in VALIDATOR.iter_errors(data))


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(bank_schema())
    assert set(NOT_IN_SCHEMA) and all(k in bank_schema()["$comment"] for k in NOT_IN_SCHEMA.values())


def _shipped_banks():
    roots = [ROOT / "quizzes", ROOT / "pools", FIXTURES / "banks"]
    return sorted(p for p in iter_bank_files([r for r in roots if r.exists()]))


@pytest.mark.parametrize("path", _shipped_banks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_bank_passes_the_schema(path):
    errors: list = []
    data = compose_yaml(path.read_text(encoding="utf-8"), str(path), {}, errors)
    assert not errors and _model_verdict(data)[0]
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)]
    assert not problems, problems


def test_the_command_writes_this_schema(tmp_path):
    assert main(["schema", "-o", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == bank_schema()


# -- generated banks ---------------------------------------------------------------------------------


@st.composite
def valid_variants(draw):
    """A valid bank written in any of the forms the format allows."""
    data = draw(bank_dicts())
    for q in data["questions"]:
        if q["type"] == "ordering" and draw(st.booleans()):
            q["items"] = [{"text": t} for t in q["items"]]  # the long form
        if q["type"] == "short" and draw(st.booleans()):
            q["answers"][0] = q["answers"][0]["text"]  # the plain-text form
        if draw(st.booleans()):
            q["id"] = draw(st.sampled_from([" ", "\t", ""])) + q["id"] + draw(st.sampled_from([" ", "\n", ""]))
        if draw(st.booleans()) and float(q["points"]).is_integer():
            q["points"] = int(q["points"])
        if draw(st.booleans()):
            q["prompt"] = "  " + q["prompt"] + " "
        if draw(st.booleans()):
            q["tags"] = draw(st.lists(st.sampled_from(["t1", "a.b", "x-y_z"]), max_size=3))
    if draw(st.booleans()):
        data["secure"] = draw(st.booleans())
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_variants())
def test_generated_valid_banks_pass_both(data):
    assert _model_verdict(data) == (True, set())
    assert _schema_accepts(data), [e.message for e in VALIDATOR.iter_errors(data)]


_ODD_VALUES = ["", "  ", "x", "a b", "(", 0, 1, -1, 0.5, 2.5, 1001, True, False, None, [], {}, "2", "yes", "true",
               [1], ["x"], {"text": "x"}, "single", "easy", 1.0]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


_SUITS = {
    "two-correct": ("single",), "no-correct": ("single", "multiple"), "bad-regex": ("short",), "credit": ("short",),
    "dup-text": ("single", "multiple"),
}


def _special(draw, data) -> None:
    """A targeted change, each breaking one rule a validator (not a type) checks."""
    kind = draw(st.sampled_from(["two-correct", "no-correct", "bad-regex", "version", "dup-id", "undeclared",
                                 "dup-text", "type", "credit"]))
    qs = [q for q in data["questions"] if q["type"] in _SUITS.get(kind, (q["type"],))]
    if not qs:
        return
    q = draw(st.sampled_from(qs))
    if kind in ("two-correct", "no-correct"):
        for o in q["options"]:
            o["correct"] = kind == "two-correct"
    elif kind == "bad-regex":
        q["answers"] = [{"text": "a"}, {"regex": draw(st.sampled_from(["(", "[a-", "a{2,1}", "ok+"]))}]
    elif kind == "credit":
        q["answers"] = [{"text": "a", "credit": draw(st.sampled_from([0.5, 0, 1.5, -1, "1", True]))}]
    elif kind == "version":
        data["schema_version"] = draw(st.sampled_from([2, 0, True, 1.0, "1", None]))
    elif kind == "dup-id" and len(data["questions"]) > 1:
        data["questions"][-1]["id"] = data["questions"][0]["id"]
    elif kind == "undeclared":
        q["objective"] = "O9"
    elif kind == "dup-text" and len(q["options"]) > 1:
        q["options"][1]["text"] = q["options"][0]["text"].upper()
    elif kind == "type":
        q["type"] = draw(st.sampled_from(["single", "multiple", "true_false", "short", "numeric", "matching",
                                          "ordering", "essay"]))


@st.composite
def mutated(draw):
    """A valid bank with a targeted change (a rule) or one or two random ones (types, keys): most break it."""
    data = draw(valid_variants())
    if draw(st.booleans()):
        _special(draw, data)
        return data
    for _ in range(draw(st.integers(1, 2))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent, key = _get(data, path[:-1]), path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "extra"]))
        if action == "replace":
            parent[key] = draw(st.sampled_from(_ODD_VALUES))
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "hint", "id", "feedback", "scoring"]))] = draw(st.sampled_from(_ODD_VALUES))
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutated())
def test_generated_banks_get_the_same_verdict(data):
    accepted, kinds = _model_verdict(data)
    schema_ok = _schema_accepts(data)
    if accepted:
        assert schema_ok, [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(data)]
    elif schema_ok:
        # Only what JSON Schema cannot say may slip past it.
        assert kinds <= set(NOT_IN_SCHEMA), kinds


def test_plain_string_forms_are_typed_in_the_schema():
    """The README's editor set-up once underlined every bank ordering `items` as plain strings."""
    data = {"schema_version": 1, "page": "a/b", "title": "T", "objectives": [{"id": "O1", "text": "x"}],
            "questions": [{"id": "q", "type": "ordering", "prompt": "p", "explanation": "e", "source": "s",
                           "objective": "O1", "difficulty": "easy", "items": ["first", "second"]}]}
    assert _model_verdict(data)[0] and _schema_accepts(data)
    data["questions"][0]["items"] = ["first", "  "]
    assert not _model_verdict(data)[0] and not _schema_accepts(data)
    assert re.search(r"\\S", json.dumps(bank_schema()))
