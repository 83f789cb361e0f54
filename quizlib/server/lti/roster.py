"""Roster sync from the platform's Names and Role Provisioning Service (NRPS 2.0), instead of a CSV.

Learners become students (with no sign-in link: they come in through the LMS), instructors
are remembered as such, and members the platform no longer lists, or lists as
``Inactive``/``Deleted``, are marked inactive in the course. No student record is ever
deleted: their attempts and grades stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from . import claims as c
from .accounts import Person, set_membership, upsert_user
from .outbox import Delivery, _signer
from .services import PlatformInfo, ServiceError, members
from .tables import LtiContext, LtiMembership, LtiPlatform


@dataclass
class SyncResult:
    context: str
    learners: int = 0
    instructors: int = 0
    inactive: int = 0
    skipped: int = 0


def sync(db: Any, delivery: Delivery, context_pk: int, now: datetime) -> SyncResult:
    """Fetch the course's members and apply them; :class:`.services.ServiceError` if the platform refuses."""
    with db.read() as s:
        context = s.get(LtiContext, context_pk)
        if context is None:
            raise ServiceError(f"no course {context_pk}", retry=False)
        if not context.memberships_url:
            raise ServiceError(f"the platform gave course '{context.title or context.context_id}' no roster service "
                               "(NRPS); enable it in the tool's settings in the LMS", retry=False)
        platform = s.get(LtiPlatform, context.platform_pk)
        assert platform is not None
        info = PlatformInfo(platform.id, platform.issuer, platform.client_id, platform.auth_token_url,
                            platform.token_audience)
        url, label = context.memberships_url, context.title or context.context_id
    token = delivery.tokens.get(delivery.http, info, (c.SCOPE_NRPS,), _signer(db))
    listed = members(delivery.http, url, token)
    result = SyncResult(label)
    with db.write() as s:
        context = s.get(LtiContext, context_pk)
        platform = s.get(LtiPlatform, info.id)
        assert context is not None and platform is not None
        seen: set[int] = set()
        for m in listed:
            role = c.service_role(m.get("roles") or [])
            sub = m.get("user_id")
            if role is None or not isinstance(sub, str) or not sub:
                result.skipped += 1
                continue
            person = Person(sub=sub, role=role, name=m.get("name") if isinstance(m.get("name"), str) else None,
                            email=m.get("email") if isinstance(m.get("email"), str) else None,
                            sourcedid=m.get("lis_person_sourcedid") if isinstance(m.get("lis_person_sourcedid"), str) else None)
            user = upsert_user(s, platform, person, now)
            active = m.get("status", "Active") == "Active"
            set_membership(s, context, user, role, active)
            seen.add(user.id)
            if not active:
                result.inactive += 1
            elif role == c.LEARNER:
                result.learners += 1
            else:
                result.instructors += 1
        gone = s.execute(update(LtiMembership).where(
            LtiMembership.context_pk == context.id, LtiMembership.user_pk.not_in(seen) if seen else True,
            LtiMembership.active.is_(True)).values(active=False))
        result.inactive += int(gone.rowcount or 0)  # type: ignore[attr-defined]
        context.synced_at = now
    return result


def contexts(session: Any) -> list[LtiContext]:
    return list(session.execute(select(LtiContext).order_by(LtiContext.id)).scalars())
