"""Class-scale grading: responses files in, gradebook, per-response CSV, feedback and reports out.

Modules, one job each:

- :mod:`.attempts`  the input contract (pydantic model, JSON Schema) and rejection reasons;
- :mod:`.compiled`  a question compiled into a memoised grader, identical to ``quizlib.grading.grade``;
- :mod:`.course`    banks, forms and CSV headers compiled into the assessments a row can answer;
- :mod:`.readers`   JSON Lines and CSV streamed into graded rows or located rejections;
- :mod:`.classbook` the class as compact numpy arrays (students x items);
- :mod:`.run`       the loop that ties them together (used by the commands and the benchmark);
- :mod:`.outputs`, :mod:`.report`, :mod:`.regrade`, :mod:`.console`  what is written and shown.
"""
