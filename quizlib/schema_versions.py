"""Upgrade chain for bank files, in the manner of nbgrader's metadata versions.

Each bank declares ``schema_version``. When the format changes, bump
:data:`quizlib.models.SCHEMA_VERSION` and register a step here that turns a
version-``n`` mapping into a version-``n+1`` one; old banks then keep loading
unchanged on disk. Version 1 is the first published format, so the chain is
empty today: the machinery is exercised by the tests with a registered step.
"""

from __future__ import annotations

from typing import Any, Callable

from .models import SCHEMA_VERSION

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

#: ``UPGRADES[n]`` upgrades a version-n bank to version n+1.
UPGRADES: dict[int, Upgrade] = {}


class SchemaVersionError(ValueError):
    pass


def upgrade(data: dict[str, Any], *, target: int = SCHEMA_VERSION, steps: dict[int, Upgrade] | None = None) -> dict[str, Any]:
    """Bring a raw bank mapping up to ``target``; leaves a missing version to model validation."""
    steps = UPGRADES if steps is None else steps
    version = data.get("schema_version")
    if version is None or isinstance(version, bool) or not isinstance(version, int):
        return data
    if version > target:
        raise SchemaVersionError(
            f"schema_version {version} is newer than this quizlib understands ({target}); upgrade quizlib"
        )
    while version < target:
        if version not in steps:
            raise SchemaVersionError(f"no upgrade from schema_version {version} to {version + 1}")
        data = steps[version](dict(data))
        version += 1
        data["schema_version"] = version
    return data
