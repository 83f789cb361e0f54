"""Item analysis of a graded class (``quizlib stats``): the figures Moodle and Canvas report, one definition each.

:mod:`.analysis` computes them from the class arrays, :mod:`.plots` draws the
figures, :mod:`.report` writes the HTML report.
"""

from .analysis import Analysis, ItemStat, OptionStat, TestStat, analyse

__all__ = ["Analysis", "ItemStat", "OptionStat", "TestStat", "analyse"]
