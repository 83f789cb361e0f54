"""Imports (``quizlib import``): questions exported by another system, as bank files.

``get_importer("moodle-xml" | "gift")`` returns the class; its ``read(path)`` gives the
questions it carries and a located note for every one it skips or changes;
:mod:`quizlib.imports.banks` turns them into bank files.
"""

from .base import ImportedQuestion, ImportFileError, Importer, ImportNote, ImportResult, NoteKind, get_importer, importer_names

__all__ = ["ImportedQuestion", "ImportFileError", "Importer", "ImportNote", "ImportResult", "NoteKind",
           "get_importer", "importer_names"]
