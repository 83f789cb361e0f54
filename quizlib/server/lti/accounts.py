"""Platform users as the service's students, courses, and links: shared by launches and roster syncs.

A learner becomes a :class:`~quizlib.server.models.Student` the first time the platform
names them (a launch or an NRPS sync), so the gradebook CSV and reports list LTI students
like roster ones. The student id shown is the platform's SIS id (``lis.person_sourcedid``)
when it sends one, else the e-mail, else ``lti-<sub>``. It never takes over a student
someone else created (a CSV roster row with the same id gets a suffixed id instead):
otherwise a platform account could sign in as a student the roster made.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..admin import MAX_NAME, MAX_STUDENT_ID
from ..models import Student
from . import claims as c
from .tables import LtiContext, LtiLinkUser, LtiMembership, LtiPlatform, LtiResourceLink, LtiUser


@dataclass
class Person:
    """What a launch or a roster entry says about a user."""

    sub: str
    role: str
    name: str | None = None
    email: str | None = None
    sourcedid: str | None = None


def _clean(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = "".join(ch for ch in value.strip() if ch.isprintable())
    return value[:limit] or None


def person_from_claims(data: dict[str, Any], role: str) -> Person:
    lis = data.get(c.LIS) if isinstance(data.get(c.LIS), dict) else {}
    name = _clean(data.get("name"), MAX_NAME) or _clean(
        " ".join(str(data.get(k, "")) for k in ("given_name", "family_name")), MAX_NAME)
    return Person(sub=str(data["sub"]), role=role, name=name, email=_clean(data.get("email"), MAX_NAME),
                  sourcedid=_clean(lis.get("person_sourcedid"), MAX_STUDENT_ID))


def _student_id(session: Session, platform: LtiPlatform, person: Person) -> str:
    base = person.sourcedid or person.email or f"lti-{person.sub}"
    base = base.lstrip("=+-@ ") or f"lti-{person.sub}"  # never a spreadsheet formula in the gradebook
    base = base[:MAX_STUDENT_ID]
    if session.execute(select(Student.id).where(Student.student_id == base)).first() is None:
        return base
    tag = hashlib.sha256(f"{platform.id}\n{person.sub}".encode()).hexdigest()[:10]
    return f"{base[:MAX_STUDENT_ID - 11]}~{tag}"


def upsert_user(session: Session, platform: LtiPlatform, person: Person, now: datetime) -> LtiUser:
    """The LTI user for ``person`` (made or updated); a learner gets a student record."""
    user = session.execute(select(LtiUser).where(LtiUser.platform_pk == platform.id, LtiUser.sub == person.sub)
                           ).scalar_one_or_none()
    if user is None:
        user = LtiUser(platform_pk=platform.id, sub=person.sub[:255], student_pk=None, role=person.role,
                       name=person.name, email=person.email, updated_at=now)
        session.add(user)
    else:
        user.role, user.updated_at = person.role, now
        user.name = person.name or user.name
        user.email = person.email or user.email
    if person.role == c.LEARNER:
        if user.student_pk is None:
            student = Student(student_id=_student_id(session, platform, person), name=person.name or person.sub[:MAX_NAME],
                              email=person.email, created_at=now)
            session.add(student)
            session.flush()
            user.student_pk = student.id
        else:
            student = session.get(Student, user.student_pk)
            if student is not None and person.name and (student.name, student.email) != (person.name, person.email or student.email):
                student.name, student.email = person.name, person.email or student.email
    session.flush()
    return user


def upsert_context(session: Session, platform: LtiPlatform, deployment_id: str, data: dict[str, Any]) -> LtiContext | None:
    context = data.get(c.CONTEXT)
    if not isinstance(context, dict) or not isinstance(context.get("id"), str):
        return None
    row = session.execute(select(LtiContext).where(LtiContext.platform_pk == platform.id,
                                                   LtiContext.context_id == context["id"][:255])).scalar_one_or_none()
    if row is None:
        row = LtiContext(platform_pk=platform.id, deployment_id=deployment_id, context_id=context["id"][:255])
        session.add(row)
    row.title = _clean(context.get("title"), 300) or _clean(context.get("label"), 300) or row.title
    nrps = data.get(c.NRPS)
    if isinstance(nrps, dict) and isinstance(nrps.get("context_memberships_url"), str):
        row.memberships_url = nrps["context_memberships_url"][:1000]
    session.flush()
    return row


def set_membership(session: Session, context: LtiContext, user: LtiUser, role: str, active: bool = True) -> None:
    row = session.execute(select(LtiMembership).where(LtiMembership.context_pk == context.id,
                                                      LtiMembership.user_pk == user.id)).scalar_one_or_none()
    if row is None:
        session.add(LtiMembership(context_pk=context.id, user_pk=user.id, role=role, active=active))
    else:
        row.role, row.active = role, active


def upsert_link(session: Session, platform: LtiPlatform, deployment_id: str, context: LtiContext | None,
                data: dict[str, Any], quiz_id: str | None, now: datetime) -> LtiResourceLink:
    """The resource link of a launch, with its line item and AGS scopes refreshed from the launch."""
    link_id = str(data[c.RESOURCE_LINK]["id"])[:255]
    row = session.execute(select(LtiResourceLink).where(LtiResourceLink.platform_pk == platform.id,
                                                        LtiResourceLink.resource_link_id == link_id)).scalar_one_or_none()
    if row is None:
        row = LtiResourceLink(platform_pk=platform.id, deployment_id=deployment_id, resource_link_id=link_id,
                              quiz_id=None, scopes=[], updated_at=now)
        session.add(row)
    row.context_pk = context.id if context is not None else row.context_pk
    if quiz_id is not None:
        row.quiz_id = quiz_id
    ags = data.get(c.AGS_ENDPOINT)
    if isinstance(ags, dict):
        row.lineitem_url = ags["lineitem"][:1000] if isinstance(ags.get("lineitem"), str) else row.lineitem_url
        row.lineitems_url = ags["lineitems"][:1000] if isinstance(ags.get("lineitems"), str) else row.lineitems_url
        row.scopes = [s for s in ags.get("scope", []) if isinstance(s, str)][:20] if isinstance(ags.get("scope"), list) else []
    row.updated_at = now
    session.flush()
    return row


def link_user(session: Session, link: LtiResourceLink, user: LtiUser) -> None:
    """Remember that this learner came through this link: their scores at its quiz go to its line item."""
    exists = session.execute(select(LtiLinkUser.id).where(LtiLinkUser.link_pk == link.id, LtiLinkUser.user_pk == user.id)).first()
    if exists is None:
        session.add(LtiLinkUser(link_pk=link.id, user_pk=user.id))
        session.flush()
