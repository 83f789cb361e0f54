"""The grading service behind ``quizlib serve``: graded quizzes whose keys never leave the server.

Layout (one job per module):

- :mod:`.settings` - configuration from arguments and ``QUIZLIB_*`` environment variables.
- :mod:`.db`, :mod:`.models`, ``migrations/`` - the database (SQLite file or PostgreSQL) and its schema.
- :mod:`.security` - bearer tokens (random, stored hashed, revocable, expiring), sessions, rate limits.
- :mod:`.limits` - the request body size limit and the rate limiter (counted in the database).
- :mod:`.text` - refusing text the service cannot store (lone surrogates, NUL) before anything is stored.
- :mod:`.clock` - the server's clock (the only time the rules read), :mod:`.errors` - the JSON error shape.
- :mod:`.quizzes` - published quizzes: a frozen snapshot of their questions.
- :mod:`.student_forms` - each student's deterministic question and option order;
  :mod:`.blueprints` - per-student draws from a blueprint (through :mod:`quizlib.forms`).
- :mod:`.keys` - the only place a bank question becomes what a student may see.
- :mod:`.answers` - checks a student's answers and maps them back to bank ids.
- :mod:`.attempts` - the attempt rules: open/close times, time and attempt limits, submission.
- :mod:`.idempotency` - replaying a retried request's first response.
- :mod:`.admin` - roster import, tokens, publishing (shared by the HTTP API and the CLI).
- :mod:`.reports` - gradebook CSV and item analysis (by :mod:`quizlib.grade` and :mod:`quizlib.stats`), HTML report.
- :mod:`.api_student`, :mod:`.api_instructor`, :mod:`.app` - the HTTP layer; :mod:`.api_views` - instructor
  reports behind expiring view links; :mod:`.pages` - the sign-in page, a page per quiz, browser help.
- :mod:`.logs` - access logs that redact tokens; :mod:`.book_links` - checking ``--book-url`` against the built book.
- :mod:`.lti` - LTI 1.3 Advantage: launches from Canvas and Moodle, the quiz picker, grades sent to the
  LMS (an outbox), roster sync, platform registration (its own package; its docstring has the design).
- :mod:`.process` - ``quizlib serve`` as a child process (durability test, load benchmark, browser tests).

``API.md`` beside this file documents every endpoint for the book's quiz widget.
"""
