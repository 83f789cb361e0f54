"""The IMS names this tool reads and writes, and the mapping of LTI roles to the service's two roles.

Claim and role URIs are from LTI Core 1.3 (https://www.imsglobal.org/spec/lti/v1p3/),
Deep Linking 2.0, AGS 2.0 and NRPS 2.0. Keeping them in one place makes a typo in a
URI (which a platform would silently ignore) a single line to review.
"""

from __future__ import annotations

from collections.abc import Iterable

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
CUSTOM = LTI + "custom"
LIS = LTI + "lis"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
LTI_VERSION = "1.3.0"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE, SCOPE_RESULT_READONLY, SCOPE_NRPS)

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

LEARNER, INSTRUCTOR = "learner", "instructor"

_VOCAB = "http://purl.imsglobal.org/vocab/lis/v2/"
# Context roles that may grade or manage the course: they see the instructor page and may deep link.
_INSTRUCTOR_ROLES = {
    _VOCAB + "membership#Instructor", _VOCAB + "membership#ContentDeveloper", _VOCAB + "membership#Administrator",
    _VOCAB + "membership/Instructor#TeachingAssistant", _VOCAB + "institution/person#Administrator",
    _VOCAB + "institution/person#Instructor", _VOCAB + "institution/person#Faculty",
    _VOCAB + "system/person#Administrator", _VOCAB + "system/person#SysAdmin",
    # Short names: deprecated in LTI 1.3 but still sent by some platforms for context roles.
    "Instructor", "ContentDeveloper", "Administrator", "TeachingAssistant",
}
_LEARNER_ROLES = {
    _VOCAB + "membership#Learner", _VOCAB + "membership/Learner#Learner", _VOCAB + "membership/Learner#NonCreditLearner",
    _VOCAB + "institution/person#Student", _VOCAB + "institution/person#Learner", "Learner", "Student",
}


def service_role(roles: Iterable[object]) -> str | None:
    """``instructor``, ``learner``, or None when no role lets the user into a graded quiz.

    Instructor wins over learner (a teacher enrolled as a student too still manages the
    course). Sub-roles of Instructor (``membership/Instructor#...``) count as instructor.
    Canvas's Student View sends Learner with ``system/person#TestUser``: a learner.
    """
    names = {r for r in roles if isinstance(r, str)}
    if names & _INSTRUCTOR_ROLES or any(r.startswith(_VOCAB + "membership/Instructor#") for r in names):
        return INSTRUCTOR
    if names & _LEARNER_ROLES:
        return LEARNER
    return None
