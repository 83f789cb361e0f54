"""What a student sees of a graded attempt once results are released (issue 12, section 3).

Per question, in the order the student saw them: the prompt, their answer and the
points; and once no further attempt is possible (attempts used up, or the quiz
closed), also the correct answer, the author's feedback and the explanation. Before
that the key stays hidden: every attempt at a quiz shows the same form, so a key
shown after attempt 1 would answer attempt 2.
"""

from __future__ import annotations

from typing import Any

from tests.fixtures.server.harness import Service, service  # noqa: F401
from tests.test_server_keys import key_strings

EXPECTED_KEYS = {
    "<p>Which one is marked right?</p>": ["Bravo choice"],
    "<p>Is this statement true?</p>": ["True"],
    "<p>Type the secret word.</p>": ["zanzibarquux"],
    "<p>Give the secret number.</p>": ["7391.25 widgets (within 0.375)"],
    "<p>Match the pairs.</p>": ["Left one \u2192 Right one", "Left two \u2192 Right two", "Left three \u2192 Right three"],
    "<p>Put in order.</p>": ["First step", "Second step", "Third step", "Fourth step"],
}


def result(svc: Service, sid: str, aid: int) -> dict[str, Any]:
    r = svc.client.get(f"/api/v1/attempts/{aid}/result", headers=svc.as_student(sid))
    assert r.status_code == 200, r.text
    return r.json()


def test_results_follow_the_students_order_and_show_their_answers(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", max_attempts=1)
    attempt = service.start("ann", "quiz")
    answers = service.key_answers(attempt["id"], right=False)
    short = next(q["id"] for q in attempt["questions"] if q["type"] == "short")
    answers[short] = "<b>not bold</b>"
    assert service.submit("ann", attempt["id"], answers).status_code == 200
    res = result(service, "ann", attempt["id"])
    assert res["released"] and res["key_shown"] and res["attempts_left"] == 0
    assert [q["id"] for q in res["questions"]] == [q["id"] for q in attempt["questions"]]  # the order shown
    assert [q["prompt_html"] for q in res["questions"]] == [q["prompt_html"] for q in attempt["questions"]]
    by_prompt = {q["prompt_html"]: q for q in res["questions"]}
    for prompt, key in EXPECTED_KEYS.items():
        assert by_prompt[prompt]["correct_html"] == key, prompt
    assert by_prompt["<p>Type the secret word.</p>"]["answer_html"] == ["&lt;b&gt;not bold&lt;/b&gt;"]  # escaped
    assert by_prompt["<p>Is this statement true?</p>"]["answer_html"] == ["False"]
    assert by_prompt["<p>Give the secret number.</p>"]["answer_html"] == ["8391.25 widgets"]
    # The student's wrong choices, in their words, with the feedback the author wrote for them.
    single = by_prompt["<p>Which one is marked right?</p>"]
    assert single["answer_html"][0] in ("Alpha choice", "Charlie choice") and single["score"] == 0
    assert single["feedback_html"][0].startswith("<p>FBK-single-") and single["explanation_html"] == "<p>EXPL-single-K1Z</p>"
    order = by_prompt["<p>Put in order.</p>"]
    assert order["answer_html"] == order["correct_html"][::-1]


def test_the_key_waits_until_no_further_attempt_is_possible(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", max_attempts=2, feedback="immediate")
    first = service.start("ann", "quiz")
    done = service.submit("ann", first["id"], service.key_answers(first["id"], right=False), key="a1")
    assert done.status_code == 200
    body = done.json()
    assert body["released"] and not body["key_shown"] and body["attempts_left"] == 1
    assert body["score"] == 0 and all(q["answer_html"] for q in body["questions"])
    assert not any(k in q for q in body["questions"] for k in ("correct_html", "feedback_html", "explanation_html"))
    assert not [s for s in key_strings() if s in done.text]
    assert [s for s in key_strings() if s in result(service, "ann", first["id"])["message"]] == []
    second = service.start("ann", "quiz")
    assert second["questions"] == first["questions"]  # the same form: why the key had to wait
    service.submit("ann", second["id"], service.key_answers(second["id"]), key="a2")
    for aid in (first["id"], second["id"]):  # now both attempts show everything
        res = result(service, "ann", aid)
        assert res["key_shown"] and all("correct_html" in q and "explanation_html" in q for q in res["questions"])


def test_unlimited_attempts_show_the_key_when_the_quiz_closes(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", closes_at="2026-03-02T10:00:00Z")
    aid = service.start("ann", "quiz")["id"]
    service.submit("ann", aid, service.key_answers(aid))
    assert result(service, "ann", aid)["key_shown"] is False
    service.clock.advance(hours=1, seconds=service.settings.grace_seconds)
    assert result(service, "ann", aid)["key_shown"] is True


def test_attempt_counts_include_the_attempt_in_progress(service: Service) -> None:
    service.roster("ann")
    service.publish("quiz", max_attempts=2)
    h = service.as_student("ann")
    before = service.client.get("/api/v1/quizzes/quiz", headers=h).json()
    assert (before["attempts_used"], before["attempts_left"]) == (0, 2)
    attempt = service.start("ann", "quiz")
    assert (attempt["number"], attempt["max_attempts"], attempt["attempts_left"]) == (1, 2, 1)
    during = service.client.get("/api/v1/quizzes/quiz", headers=h).json()
    assert during["current_attempt_id"] == attempt["id"] and (during["attempts_used"], during["attempts_left"]) == (1, 1)
