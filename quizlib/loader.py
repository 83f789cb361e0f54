"""Load bank files and turn every problem into a located, readable error.

Authors edit YAML by hand, so an error must say *where*: ``file:line:column``,
the question id, the field and what is wrong, and it must list every error in
the file at once. We compose the YAML node tree with PyYAML's libyaml parser
(node marks carry line and column), record the position of every key and list
item, then map each pydantic error location back through that table.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from pydantic import BaseModel, ValidationError
import yaml

from .models import ID_PATTERN, QUESTION_TYPES, Bank, MatchPair, Objective, Option, AcceptedAnswer, OrderItem
from .schema_versions import SchemaVersionError, upgrade

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

BANK_SUFFIXES = (".yml", ".yaml")

_KNOWN_KEYS = sorted(
    {
        name
        for model in (Bank, Objective, Option, AcceptedAnswer, MatchPair, OrderItem, *QUESTION_TYPES.values())
        for name in model.model_fields
    }
)


@dataclass(frozen=True, order=True)
class BankError:
    """One problem in one bank file, located precisely enough to jump to in an editor."""

    file: str
    line: int
    column: int
    field: str
    message: str
    question_id: str | None = None

    def __str__(self) -> str:
        where = f"question '{self.question_id}', " if self.question_id else ""
        what = f"{where}field '{self.field}': " if self.field else where
        return f"{self.file}:{self.line}:{self.column}: {what}{self.message}"


class BankLoadError(Exception):
    """All the errors of one or more bank files."""

    def __init__(self, errors: list[BankError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class LoadReport:
    banks: dict[Path, Bank] = field(default_factory=dict)
    errors: list[BankError] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# YAML 1.2 core schema for booleans: an answer written `No` or `on` stays text
# (PyYAML's YAML 1.1 default would turn it into a boolean); dates stay text too.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BankLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    pass


_BankLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG := "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_BankLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def field_name(path: Path_) -> str:
    """``("questions", 0, "difficulty")`` -> ``questions[0].difficulty``."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


#: How deep a bank's YAML may nest (a bank needs 6 levels); deeper is refused before Python recurses into it.
MAX_YAML_DEPTH = 64


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_expansion(root: yaml.Node, filename: str) -> None:
    """Refuse a document whose aliases would expand it enormously (a "billion laughs" file),
    that refers to itself, or that nests absurdly deep; before anything is built from it.

    An alias (``*name``) makes the composed tree share a node, so building plain data
    copies that node once per use: ten aliases of ten aliases of ... grow tenfold per
    level, and a file of a few hundred bytes becomes millions of values (measured: 23 s
    of CPU before validation failed). Here the expanded size is counted from the shared
    nodes, without expanding anything; more than ten times the distinct values (plus
    10,000) is an error, located at the collection where the first alias is used.
    """
    state: dict[int, int] = {}  # 1: being counted (on the current path), 2: counted
    sizes: dict[int, int] = {}
    first_alias: yaml.Node | None = None
    stack: list[tuple[yaml.Node, yaml.Node | None, int, bool]] = [(root, None, 1, False)]
    while stack:
        node, parent, depth, leaving = stack.pop()
        if leaving:
            sizes[id(node)] = 1 + sum(sizes[id(k)] for k in _children(node))
            state[id(node)] = 2
            continue
        if state.get(id(node)) == 2:  # met before: an alias (pops come in document order)
            first_alias = first_alias or parent
            continue
        mark = node.start_mark
        if state.get(id(node)) == 1:
            raise BankLoadError([BankError(filename, mark.line + 1, mark.column + 1, "",
                                           "YAML: an alias refers to the value that contains it")])
        if depth > MAX_YAML_DEPTH:
            raise BankLoadError([BankError(filename, mark.line + 1, mark.column + 1, "",
                                           f"YAML: nested more than {MAX_YAML_DEPTH} levels deep")])
        state[id(node)] = 1
        stack.append((node, parent, depth, True))
        stack.extend((k, node, depth + 1, False) for k in reversed(_children(node)))
    expanded, limit = sizes[id(root)], 10 * len(sizes) + 10_000
    if expanded > limit:
        mark = (first_alias or root).start_mark
        raise BankLoadError([BankError(
            filename, mark.line + 1, mark.column + 1, "",
            f"YAML: aliases (*name) would expand this file to {expanded:,} values, more than the {limit:,} allowed; "
            "an alias may reuse a value, not multiply it")])


def compose_yaml(text: str, filename: str, positions: dict[Path_, tuple[int, int]], errors: list[BankError]) -> Any:
    """Parse with libyaml and build plain Python data, recording 1-based positions.

    Composing nodes ourselves (rather than ``safe_load``) keeps every key's and
    item's mark, and lets us report *every* duplicate key instead of keeping the last.
    """
    loader = _BankLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            check_expansion(root, filename)

        def build(node: yaml.Node, path: Path_) -> Any:
            if isinstance(node, yaml.MappingNode):
                out: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    key = loader.construct_object(key_node, deep=True)
                    mark = key_node.start_mark
                    if not isinstance(key, (str, int, float, bool)) or key is None:
                        errors.append(BankError(filename, mark.line + 1, mark.column + 1, "", "YAML: keys must be plain text"))
                        continue
                    key = str(key) if not isinstance(key, bool) else key
                    if key in out:
                        errors.append(BankError(
                            filename, mark.line + 1, mark.column + 1, field_name(path + (key,)),
                            f"duplicate key '{key}' (each key may appear once)",
                        ))
                        continue
                    positions[path + (key,)] = (mark.line + 1, mark.column + 1)
                    out[key] = build(value_node, path + (key,))
                return out
            if isinstance(node, yaml.SequenceNode):
                items = []
                for i, item in enumerate(node.value):
                    positions[path + (i,)] = (item.start_mark.line + 1, item.start_mark.column + 1)
                    items.append(build(item, path + (i,)))
                return items
            return loader.construct_object(node, deep=True)

        return None if root is None else build(root, ())
    finally:
        loader.dispose()


def _friendly(error: dict[str, Any]) -> str:
    """The pydantic error in an author's words: what the field must be, what was found, and how to fix it."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1]) if error.get("loc") else ""
        near = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return f"unknown key '{key}' (not part of the bank format){hint}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = ctx.get("tag")
        if kind == "union_tag_not_found":
            return f"missing 'type'; one of: {', '.join(QUESTION_TYPES)}"
        near = difflib.get_close_matches(str(tag), list(QUESTION_TYPES), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return f"unknown question type '{tag}' (one of: {', '.join(QUESTION_TYPES)}){hint}"
    if kind == "literal_error" and error.get("loc") == ("schema_version",):
        return f"schema_version must be 1, got {value!r}"
    plain = _plain_words(kind, ctx, value)
    return plain if plain is not None else str(error.get("msg", "invalid value"))


def _found(value: Any) -> str:
    """How YAML read a value, for a message: the text 'two', the number 1961, a list, true ..."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "'key: value' lines"
    return "nothing" if value is None else repr(value)


def _entries(n: Any) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _plain_words(kind: str, ctx: dict[str, Any], value: Any) -> str | None:
    """Plain wording for the errors authors meet (wrong type, out of range, empty), or None to keep pydantic's."""
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        unquote = "; write numbers without quotes" if isinstance(value, str) and _is_number(value) else ""
        return f"must be a number, such as 2 or 0.5 (got {_found(value)}){unquote}"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (got {_found(value)})"
    if kind == "string_type":
        if isinstance(value, bool):
            return f"must be text, but YAML read {_found(value)} as true/false: put it in quotes, '{_found(value)}'"
        if isinstance(value, (int, float)):
            return f"must be text, but YAML read {value!r} as a number: put it in quotes, '{value!r}'"
        return f"must be text (got {_found(value)})"
    if kind == "list_type":
        return f"must be a list, one entry per line starting with '- ' (got {_found(value)})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be 'key: value' lines, such as 'text: ...' (got {_found(value)})"
    if kind == "enum":
        allowed = [a.strip(" '") for a in str(ctx.get("expected", "")).replace(" or ", ", ").split(",") if a.strip()]
        near = difflib.get_close_matches(str(value).lower(), allowed, n=1) if isinstance(value, str) else []
        hint = f"; did you mean '{near[0]}'?" if near else ""
        return f"must be one of {', '.join(allowed)} (got {_found(value).removeprefix('the text ')}){hint}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the allowed values')} (got {_found(value)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters (has {len(value) if isinstance(value, str) else '?'})"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        return f"an id may use only letters, digits, '-', '_' and '.', starting with a letter or digit (got {value!r})"
    if kind == "too_short":
        return f"needs at least {_entries(ctx.get('min_length'))} (found {ctx.get('actual_length')})"
    if kind == "too_long":
        return f"may have at most {_entries(ctx.get('max_length'))} (found {ctx.get('actual_length')})"
    bounds = {"greater_than": ("more than", "gt"), "greater_than_equal": ("at least", "ge"),
              "less_than": ("less than", "lt"), "less_than_equal": ("at most", "le")}
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)} (got {_found(value).removeprefix('the number ')})"
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


#: A YAML line ``key: value`` (possibly a list item), to show how to quote a value containing ": ".
_KEY_VALUE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w.-]*):\s+(.*?)\s*$")


def yaml_hint(problem: str, line_text: str) -> str:
    """A fix for the YAML errors authors make, shown after the parser's own words."""
    if "mapping values are not allowed" in problem:
        m = _KEY_VALUE.match(line_text)
        example = ""
        if m and ": " in m.group(3) and not m.group(3).startswith(('"', "'")):
            quoted = m.group(3).replace("\\", "\\\\").replace('"', '\\"')
            example = f': {m.group(2)}: "{quoted}"'
        return ("; a colon followed by a space starts a new key, so to write one inside text, "
                f"put the whole text in quotes{example}")
    if "found character '\\t'" in problem:
        return "; YAML indents with spaces, not tabs"
    return ""


def locate(
    loc: tuple[Any, ...], data: Any, positions: dict[Path_, tuple[int, int]]
) -> tuple[Path_, str | None, str]:
    """Map a pydantic error location onto the raw document.

    Returns the deepest existing raw path, the question id it falls in, and a
    readable field name. Union tags (``questions.3.single.options``) are skipped:
    they name the variant, not a key in the file.
    """
    node, real, fields = data, (), []
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node, real = node[part], real + (part,)
            fields.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node, real = node[part], real + (part,)
            fields.append(f"[{part}]")
        elif isinstance(node, dict) and isinstance(part, str) and part in QUESTION_TYPES:
            continue  # discriminator tag
        elif isinstance(part, str) and part.startswith("function-"):
            continue  # validator wrapper
        else:
            fields.append(str(part))
            break
    qid = None
    if len(real) >= 2 and real[0] == "questions" and isinstance(data, dict):
        q = data["questions"][real[1]] if isinstance(data.get("questions"), list) else None
        if isinstance(q, dict) and isinstance(q.get("id"), str):
            qid = q["id"]
            # The question is named separately; drop "questions[i]" from the field.
            fields = fields[2:]
    name = ""
    for f in fields:
        name += f if f.startswith("[") or not name else "." + f
    return real, qid, name


def position_of(real: Path_, positions: dict[Path_, tuple[int, int]]) -> tuple[int, int]:
    while real:
        if real in positions:
            return positions[real]
        real = real[:-1]
    return (1, 1)


@dataclass(frozen=True)
class LocatedBank:
    """A bank plus where each key and item sat in its file, for tools (lint) that report lines."""

    bank: Bank
    file: str
    positions: dict[Path_, tuple[int, int]]

    def line_of(self, *path: str | int) -> int:
        """1-based line of ``path`` (e.g. ``("questions", 3, "prompt")``), or of its nearest parent."""
        return position_of(tuple(path), self.positions)[0]

    def question_line(self, index: int) -> int:
        return self.line_of("questions", index)


def parse_bank(text: str, filename: str) -> Bank:
    """Parse and validate one bank's text; raises :class:`BankLoadError` listing every problem."""
    return parse_bank_located(text, filename).bank


def parse_located(
    text: str,
    filename: str,
    model: type[M],
    *,
    what: str,
    friendly: Callable[[dict[str, Any]], str],
    error: Callable[[list[BankError]], Exception] | None = None,
    prepare: Callable[[dict[str, Any], dict[Path_, tuple[int, int]]], dict[str, Any]] | None = None,
) -> tuple[M, dict[Path_, tuple[int, int]]]:
    """Parse YAML ``text`` and validate it as ``model``, every problem located.

    The one path for every authored YAML file (banks, blueprints): YAML syntax
    errors, duplicate keys and validation errors all come back as
    :class:`BankError` rows with file, line, column and field, all at once.
    ``prepare`` may transform the raw mapping first (the bank's schema upgrades).
    """
    error = error or BankLoadError  # the exception type that carries the errors (BlueprintError for blueprints)
    positions: dict[Path_, tuple[int, int]] = {}
    errors: list[BankError] = []
    try:
        raw = compose_yaml(text, filename, positions, errors)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p) or str(exc)
        lines = text.splitlines()
        hint = yaml_hint(problem, lines[line - 1] if 0 < line <= len(lines) else "")
        raise error([BankError(filename, line, col, "", f"YAML: {problem}{hint}")]) from None
    except yaml.YAMLError as exc:
        raise error([BankError(filename, 1, 1, "", f"YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise error([BankError(filename, 1, 1, "", f"a {what} file must be a YAML mapping")])
    if prepare is not None:
        raw = prepare(raw, positions)
    try:
        result = model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] == "union_tag_invalid":
                loc += ("type",)  # point at the `type:` line, not the item
            real, qid, name = locate(loc, raw, positions)
            line, col = position_of(real, positions)
            errors.append(BankError(filename, line, col, name, friendly(err), qid))
        raise error(errors) from None
    if errors:  # duplicate keys in an otherwise valid file
        raise error(errors)
    return result, positions


def _upgrade_located(filename: str) -> Callable[[dict[str, Any], dict[Path_, tuple[int, int]]], dict[str, Any]]:
    def prepare(raw: dict[str, Any], positions: dict[Path_, tuple[int, int]]) -> dict[str, Any]:
        try:
            return upgrade(raw)
        except SchemaVersionError as exc:
            line, col = positions.get(("schema_version",), (1, 1))
            raise BankLoadError([BankError(filename, line, col, "schema_version", str(exc))]) from None

    return prepare


def parse_bank_located(text: str, filename: str) -> LocatedBank:
    """Like :func:`parse_bank`, keeping the position table."""
    bank, positions = parse_located(text, filename, Bank, what="bank", friendly=_friendly,
                                    prepare=_upgrade_located(filename))
    return LocatedBank(bank, filename, positions)


def salvage_bank(text: str, filename: str) -> tuple[LocatedBank, int] | None:
    """The bank without its invalid questions, and how many were left out; None if nothing can be kept.

    For tools that check more than the format (``quizlib lint``): a bank with one
    broken question still has others worth checking, and authors should not need
    one run to fix the format and another for everything else. Only problems
    inside questions can be left out; a bank whose own fields are wrong, or whose
    YAML does not parse, gives None. Positions are renumbered so every kept
    question still reports its own line.
    """
    positions: dict[Path_, tuple[int, int]] = {}
    try:
        raw = compose_yaml(text, filename, positions, [])
        raw = upgrade(raw) if isinstance(raw, dict) else None
    except (yaml.YAMLError, SchemaVersionError):
        return None
    if raw is None or not isinstance(raw.get("questions"), list):
        return None
    try:
        return LocatedBank(Bank.model_validate(raw), filename, positions), 0
    except ValidationError as exc:
        bad: set[int] = set()
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            if len(loc) < 2 or loc[0] != "questions" or not isinstance(loc[1], int):
                return None  # a bank-level problem: nothing reliable to keep
            bad.add(loc[1])
    keep = [i for i in range(len(raw["questions"])) if i not in bad]
    if not keep:
        return None
    try:
        bank = Bank.model_validate({**raw, "questions": [raw["questions"][i] for i in keep]})
    except ValidationError:
        return None
    where = {old: new for new, old in enumerate(keep)}
    moved: dict[Path_, tuple[int, int]] = {}
    for path, pos in positions.items():
        if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
            if path[1] in where:
                moved[("questions", where[path[1]], *path[2:])] = pos
        else:
            moved[path] = pos
    return LocatedBank(bank, filename, moved), len(bad)


def load_bank(path: str | Path) -> Bank:
    return load_bank_located(path).bank


def load_bank_located(path: str | Path) -> LocatedBank:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankLoadError([BankError(str(path), 1, 1, "", f"cannot read file: {exc}")]) from None
    return parse_bank_located(text, str(path))


def iter_bank_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.suffix in BANK_SUFFIXES and f.is_file())
        else:
            yield p


def load_banks(paths: Iterable[str | Path]) -> LoadReport:
    """Load every bank under ``paths``, collecting (not raising) errors, and check ids across banks.

    A page may have one practice bank and one secure pool (``secure: true``); two of
    either kind for one page is an error. A question id the two share would give
    two questions the same global id, so that is an error too.
    """
    report = LoadReport()
    for path in iter_bank_files(paths):
        report.files += 1
        try:
            report.banks[path] = load_bank(path)
        except BankLoadError as exc:
            report.errors.extend(exc.errors)
    seen: dict[tuple[str, bool], Path] = {}
    ids: dict[str, Path] = {}
    for path, bank in report.banks.items():
        kind = "secure pool" if bank.secure else "bank"
        if (bank.page, bank.secure) in seen:
            report.errors.append(BankError(
                str(path), 1, 1, "page", f"page '{bank.page}' already has a {kind}: {seen[(bank.page, bank.secure)]}"))
            continue
        seen[(bank.page, bank.secure)] = path
        for q in bank.questions:
            gid = bank.global_id(q)
            if gid in ids:
                report.errors.append(BankError(str(path), 1, 1, "questions", f"question id '{q.id}' is also in {ids[gid]}, "
                                               f"the other bank of page '{bank.page}'", q.id))
            ids.setdefault(gid, path)
    return report


def dump_bank(bank: Bank) -> str:
    """YAML text of ``bank`` that :func:`parse_bank` reads back to an equal bank.

    Derived ids are written out, so a dumped bank pins its option ids.
    """
    data = bank.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
