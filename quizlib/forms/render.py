"""Printable HTML forms and answer keys (Jinja2 templates ``form.html.j2`` / ``form-key.html.j2``).

Each form is one self-contained HTML file with print CSS (A4, one question per
unbreakable block, answer spaces); print it from a browser or a headless one.
Letters are the manifest's orders, so the key printed here, the answers written
by students and ``quizlib grade`` all use the same letters.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..blueprint import Blueprint
from ..manifest import Form, FormManifest, FormQuestion
from ..markdown import render_block, render_inline
from ..models import Bank, Matching, MultipleChoice, Numeric, Ordering, QuestionBase, SingleChoice, TrueFalse
from .answers import key_text, letters

_ENV = Environment(
    loader=PackageLoader("quizlib", "templates"),
    autoescape=select_autoescape(["html", "j2"], default_for_string=True),
    trim_blocks=False,
    lstrip_blocks=False,
    keep_trailing_newline=True,
)

TYPE_LABELS = {
    "single": "single choice", "multiple": "select all that apply", "true_false": "true / false",
    "short": "short answer", "numeric": "numeric", "matching": "matching", "ordering": "ordering",
}

Lookup = Mapping[str, tuple[Bank, QuestionBase]]


def question_lookup(banks: Iterable[Bank]) -> dict[str, tuple[Bank, QuestionBase]]:
    return {b.global_id(q): (b, q) for b in banks for q in b.questions}


def _points(p: float) -> str:
    return f"{p:g} point" + ("" if p == 1 else "s")


def _block(text: str) -> Markup:
    return Markup(render_block(text))


def _inline(text: str) -> Markup:
    return Markup(render_inline(text))


def _context(q: QuestionBase, fq: FormQuestion) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "number": fq.number, "type": q.type, "gid": fq.qid, "points_text": _points(fq.points),
        "prompt": _block(q.prompt), "hint": None, "type_label": TYPE_LABELS[q.type],
    }
    if isinstance(q, (SingleChoice, MultipleChoice)):
        text = {o.id: o.text for o in q.options}
        order = fq.option_order or list(text)
        ctx["options"] = [(letter, _inline(text[oid])) for letter, oid in zip(letters(len(order)), order)]
        ctx["hint"] = "Circle every letter that applies." if isinstance(q, MultipleChoice) else "Circle one letter."
    elif isinstance(q, TrueFalse):
        ctx["options"] = [("T", "True"), ("F", "False")]
        ctx["hint"] = "Circle T or F."
    elif isinstance(q, Numeric):
        ctx["unit"] = q.unit
        ctx["hint"] = "Write a number."
    elif isinstance(q, Matching):
        rights = dict(q.right_choices())
        order = fq.right_order or list(rights)
        ctx["lefts"] = [(n, _inline(p.left)) for n, p in enumerate(q.pairs, start=1)]
        ctx["rights"] = [(letter, _inline(rights[rid])) for letter, rid in zip(letters(len(order)), order)]
        ctx["hint"] = "Write the letter of the matching choice beside each item; some choices are not used." if q.distractors \
            else "Write the letter of the matching choice beside each item."
    elif isinstance(q, Ordering):
        text = {i.id: i.text for i in q.items}
        order = fq.item_order or list(text)
        ctx["order_items"] = [(letter, _inline(text[iid])) for letter, iid in zip(letters(len(order)), order)]
        ctx["hint"] = "Write the letters in order, first to last."
    return ctx


def _questions(form: Form, lookup: Lookup, with_key: bool) -> list[dict[str, Any]]:
    out = []
    for fq in sorted(form.questions, key=lambda x: x.number):
        _, q = lookup[fq.qid]
        ctx = _context(q, fq)
        if with_key:
            ctx["key"] = key_text(q, fq)
            ctx["explanation"] = _block(q.explanation)
        out.append(ctx)
    return out


def render_form(blueprint: Blueprint, form: Form, lookup: Lookup) -> str:
    return _ENV.get_template("form.html.j2").render(
        exam=blueprint, form=form, questions=_questions(form, lookup, False),
        total_points=f"{form.max_points:g}",
        instructions=_block(blueprint.instructions) if blueprint.instructions.strip() else None,
    )


def render_key(blueprint: Blueprint, form: Form, lookup: Lookup) -> str:
    return _ENV.get_template("form-key.html.j2").render(
        exam=blueprint, form=form, questions=_questions(form, lookup, True), total_points=f"{form.max_points:g}",
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def form_slug(form_id: str) -> str:
    """A file name for a form id; ids that need changing get a short hash so two never collide."""
    slug = _UNSAFE.sub("_", form_id.replace("/", "--")).strip("._") or "form"
    if slug != form_id.replace("/", "--"):
        slug += "-" + hashlib.sha256(form_id.encode("utf-8")).hexdigest()[:8]
    return slug


@dataclass(frozen=True)
class WrittenForm:
    form_id: str
    form: Path
    key: Path


def write_forms(out_dir: Path, blueprint: Blueprint, manifest: FormManifest, lookup: Lookup) -> list[WrittenForm]:
    """``forms/<slug>.html`` and ``keys/<slug>.key.html`` for every form of the manifest."""
    (out_dir / "forms").mkdir(parents=True, exist_ok=True)
    (out_dir / "keys").mkdir(parents=True, exist_ok=True)
    written = []
    for form in manifest.forms:
        slug = form_slug(form.form_id)
        fpath = out_dir / "forms" / f"{slug}.html"
        kpath = out_dir / "keys" / f"{slug}.key.html"
        fpath.write_text(render_form(blueprint, form, lookup), encoding="utf-8")
        kpath.write_text(render_key(blueprint, form, lookup), encoding="utf-8")
        written.append(WrittenForm(form.form_id, fpath, kpath))
    return written
