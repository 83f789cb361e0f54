"""LMS exports (``quizlib export``): one module per format, all subclasses of :class:`Exporter`.

``get_exporter("qti" | "moodle" | "gift")`` returns the class; every export
writes one file and returns an :class:`ExportReport` listing, per question,
what the format could not carry.
"""

from .base import Exporter, ExportNote, ExportReport, Severity, exporter_names, get_exporter

__all__ = ["Exporter", "ExportNote", "ExportReport", "Severity", "exporter_names", "get_exporter"]
