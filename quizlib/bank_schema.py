"""The JSON Schema of a bank file, accepting exactly what ``quizlib validate`` accepts.

Editors (VS Code's YAML extension, any JSON Schema validator) read this schema
to autocomplete and underline banks, so a valid bank must never be underlined
and, as far as JSON Schema can say it, an invalid one must be. Pydantic's own
schema describes the model's *output*; what authors write is its *input*, and
the two differ in a few places this module accounts for:

* text is stripped before it is checked (``StrictModel`` strips whitespace), so
  "non-empty" means "has a non-space character" and an id may be padded;
* an ordering item and a short answer may be written as plain text;
* the rules pydantic checks in validators, where JSON Schema has a keyword for
  them: exactly one correct option (``contains`` with ``minContains`` and
  ``maxContains``), at least one full-credit answer, a regular expression that
  compiles (``format: regex``), text or a regex but not both.

What JSON Schema cannot express is listed in :data:`NOT_IN_SCHEMA` and in the
schema's ``$comment``; ``tests/test_json_schema.py`` checks both directions on
every shipped bank and on generated ones with the ``jsonschema`` library.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .models import ID_PATTERN, Bank

#: Pydantic error types of checks only ``quizlib validate`` makes, with what they check.
NOT_IN_SCHEMA: dict[str, str] = {
    "duplicate_id": "ids used twice (questions, options, pairs, items, objectives)",
    "duplicate_text": "texts used twice in one question (compared ignoring case)",
    "objective_undeclared": "a question's objective that the bank does not declare",
}

#: Text with a character other than whitespace: what a required text is once stripped.
TEXT_PATTERN = r"\S"

#: An id, with the whitespace stripping allows around it (``^[A-Za-z0-9][A-Za-z0-9_.\-]*$``, 80 at most).
_ID_INNER = ID_PATTERN.removeprefix("^").removesuffix("*$")


class _BankInputSchema(GenerateJsonSchema):
    """Strings as authors may write them: stripped before their length and pattern are checked."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        js = super().str_schema(schema)
        if js.get("pattern") == ID_PATTERN:
            longest = js.pop("maxLength", 80)
            js.pop("minLength", None)
            js["pattern"] = rf"^\s*{_ID_INNER}{{0,{longest - 1}}}\s*$"
        elif "pattern" not in js and js.get("minLength") == 1 and "maxLength" not in js:
            del js["minLength"]
            js["pattern"] = TEXT_PATTERN
        return js


def bank_schema() -> dict[str, Any]:
    """The schema ``quizlib schema`` writes."""
    schema = Bank.model_json_schema(schema_generator=_BankInputSchema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "quizlib bank"
    schema["$comment"] = (
        "Checked by `quizlib validate` but not expressible here: " + "; ".join(NOT_IN_SCHEMA.values()) + "."
    )
    return schema
