"""Lint thresholds, read from ``[tool.quizlib.lint]`` in the project's ``pyproject.toml``.

The numbers are editorial choices (how many questions make a bank, how lopsided an
answer key may be), so they are tuned in one config place rather than in code.
There are deliberately no defaults here: a missing or misspelt key is an error
naming the file, so a typo can never silently fall back to a value nobody chose.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The lint configuration is missing or malformed; the message names the file and key."""


@dataclass(frozen=True)
class LintConfig:
    """Every threshold a rule reads. Field docs say which rule uses them."""

    #: page-without-bank / bank-too-small: questions a section's bank must have.
    min_questions_per_bank: int
    #: chapter-few-types: distinct question types a chapter's banks must use.
    min_types_per_chapter: int
    #: objective-few-questions: questions each chapter objective needs.
    min_questions_per_objective: int
    #: near-duplicate-prompt: difflib similarity (0..1) of normalised prompts at or above which two are duplicates.
    near_duplicate_prompt_ratio: float
    #: position-bias: share of a bank's correct options at one authored position above which the key is biased.
    position_bias_share: float
    #: position-bias: choice questions a bank needs before the share means anything.
    position_bias_min_questions: int
    #: long-correct: correct/distractor length ratio above which the correct option stands out.
    long_correct_ratio: float
    #: test-wise audit (:mod:`.audit`): "report" prints its table only; "enforce" also reports its findings.
    testwise_audit: str
    #: testwise-course: how far (0..1 of the score) a strategy may beat chance across the course.
    testwise_course_margin: float
    #: testwise-bank: how far a strategy may beat chance in one bank.
    testwise_bank_margin: float
    #: test-wise audit: items a figure must rest on before it is judged (per bank, chapter or course).
    testwise_min_items: int
    #: true-false-balance: lowest share of a chapter's true/false items keyed False.
    true_false_false_min: float
    #: true-false-balance: highest share of a chapter's true/false items keyed False.
    true_false_false_max: float
    #: longest-key-share: highest share of single-choice items whose key is the strictly longest option.
    longest_key_share: float
    #: multiple-shape-share: highest share of multiple-response items with one (correct, options) shape.
    multiple_shape_share: float


_RANGES: dict[str, tuple[float, float]] = {
    "near_duplicate_prompt_ratio": (0.0, 1.0),
    "position_bias_share": (0.0, 1.0),
    "long_correct_ratio": (1.0, float("inf")),
    "testwise_course_margin": (0.0, 1.0),
    "testwise_bank_margin": (0.0, 1.0),
    "true_false_false_min": (0.0, 1.0),
    "true_false_false_max": (0.0, 1.0),
    "longest_key_share": (0.0, 1.0),
    "multiple_shape_share": (0.0, 1.0),
}

#: Keys whose value is one of a few words rather than a number.
_CHOICES: dict[str, tuple[str, ...]] = {
    "testwise_audit": ("report", "enforce"),
}


def parse_config(table: Any, source: str) -> LintConfig:
    """Check a ``[tool.quizlib.lint]`` table: every key present, none unknown, types and ranges right."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [tool.quizlib.lint] is missing")
    known = {f.name: f for f in fields(LintConfig)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) in [tool.quizlib.lint]: {', '.join(unknown)}")
    missing = sorted(set(known) - set(table))
    if missing:
        raise ConfigError(f"{source}: [tool.quizlib.lint] is missing: {', '.join(missing)}")
    values: dict[str, Any] = {}
    for name, f in known.items():
        value = table[name]
        if name in _CHOICES:
            if value not in _CHOICES[name]:
                allowed = " or ".join(f'"{c}"' for c in _CHOICES[name])
                raise ConfigError(f"{source}: [tool.quizlib.lint] {name} must be {allowed}, got {value!r}")
            values[name] = value
            continue
        want_int = f.type in (int, "int")
        if isinstance(value, bool) or not isinstance(value, int if want_int else (int, float)):
            kind = "an integer" if want_int else "a number"
            raise ConfigError(f"{source}: [tool.quizlib.lint] {name} must be {kind}, got {value!r}")
        low, high = _RANGES.get(name, (0, float("inf")))
        if not low <= value <= high:
            raise ConfigError(f"{source}: [tool.quizlib.lint] {name} must be in [{low}, {high}], got {value!r}")
        values[name] = value if want_int else float(value)
    if values["true_false_false_min"] > values["true_false_false_max"]:
        raise ConfigError(f"{source}: [tool.quizlib.lint] true_false_false_min must not exceed true_false_false_max")
    return LintConfig(**values)


def load_config(root: Path) -> LintConfig:
    """Read the thresholds from ``root/pyproject.toml``."""
    path = Path(root) / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read lint configuration: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("quizlib", {}).get("lint")
    return parse_config(table, str(path))
