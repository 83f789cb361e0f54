"""Randomized exam forms drawn from a blueprint (``quizlib form``).

The pieces, in the order they run:

- :mod:`.pool` resolves the blueprint's rules against the banks;
- :mod:`.draw` checks the rules can be met and draws each form (:mod:`.plan`, :mod:`.flow`);
- :mod:`.layout` shuffles options/rights/items and builds the :class:`~quizlib.manifest.FormManifest`;
- :mod:`.render` writes the printable HTML forms and answer keys;
- :mod:`.answers` maps printed letters back to bank ids; :mod:`.exposure` measures balance.

Every random choice is a sha256 sort (:mod:`quizlib.sampling`), so a form can be rebuilt from its ids.
"""

from .draw import DrawError, Drawer, DrawnForm, FormSpec, draw_forms, student_specs, variant_specs
from .exposure import ExposureReport, exposure_report
from .layout import bank_hashes, build_manifest, form_question
from .render import question_lookup, render_form, render_key, write_forms

__all__ = [
    "DrawError", "Drawer", "DrawnForm", "FormSpec", "draw_forms", "student_specs", "variant_specs",
    "ExposureReport", "exposure_report", "bank_hashes", "build_manifest", "form_question",
    "question_lookup", "render_form", "render_key", "write_forms",
]
