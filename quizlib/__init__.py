"""quizlib: quiz banks for a Jupyter Book course.

The data model (:mod:`quizlib.models`) is the centre; loading, grading, the
Sphinx directive, exports and the command line all read it.
"""

__version__ = "0.1.0"
