"""The background loop each server process runs: finalise overdue LTI attempts, then send due scores.

It wakes every ``lti_worker_seconds`` and at once after a commit that queued a score
(:data:`.outbox.KICK`), so a submission's score usually leaves within milliseconds. With
several processes or hosts each runs its own loop; the outbox's leases keep them from
sending the same score twice. An attempt whose time ran out is finalised here by the
server's clock even if the student never comes back, so its score is posted too.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from sqlalchemy import select

from .. import attempts as rules
from ..models import Attempt, Quiz
from .outbox import KICK, Delivery, deliver_due
from .tables import LtiUser

log = logging.getLogger("quizlib.server.lti")


def finalize_overdue(db: Any, now: datetime, grace: float) -> int:
    """Submit (with their autosaved answers) LTI students' attempts whose deadline and grace have passed."""
    with db.read() as s:
        due = s.execute(select(Attempt.quiz_id, Attempt.student_pk).distinct()
                        .join(LtiUser, LtiUser.student_pk == Attempt.student_pk)
                        .where(Attempt.submitted_at.is_(None), Attempt.deadline_at.is_not(None),
                               Attempt.deadline_at < now - timedelta(seconds=grace))).all()
    done = 0
    for quiz_id, student_pk in due:
        with db.write() as s:
            rules.lock_student(s, student_pk)
            quiz = s.get(Quiz, quiz_id)
            if quiz is not None:
                done += rules.finalize_expired(rules.student_attempts(s, quiz_id, student_pk), quiz, now, grace)
    return done


class OutboxWorker:
    def __init__(self, db: Any, settings: Any) -> None:
        self.db = db
        self.interval = settings.lti_worker_seconds
        self.grace = settings.grace_seconds
        self.delivery = Delivery(httpx.Client(timeout=20.0), base=settings.lti_retry_base_seconds,
                                 cap=settings.lti_retry_max_seconds, max_tries=settings.lti_max_tries,
                                 grace=settings.grace_seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quizlib-lti-outbox", daemon=True)

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        KICK.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self.delivery.http.close()

    def run_once(self) -> dict[str, int]:
        now = datetime.now(timezone.utc)
        finalize_overdue(self.db, now, self.grace)
        return deliver_due(self.db, self.delivery, now)

    def _run(self) -> None:
        while not self._stop.is_set():
            KICK.wait(self.interval)
            KICK.clear()
            if self._stop.is_set():
                return
            try:
                while self.run_once():  # keep going while there is work
                    if self._stop.is_set():
                        return
            except Exception:  # noqa: BLE001 - the loop must survive a bad row or a database hiccup
                log.exception("LTI outbox pass failed; retrying in %s s", self.interval)
