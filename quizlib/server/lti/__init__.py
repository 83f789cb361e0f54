"""LTI 1.3 Advantage: ``quizlib serve`` as a tool that Canvas, Moodle or any LTI 1.3 platform launches.

A student clicks the quiz in the course, lands in it signed in, and their score appears in
the LMS gradebook. The flows (IMS LTI Core 1.3, Security Framework 1.0, Deep Linking 2.0,
Assignment and Grade Services 2.0, Names and Role Provisioning Services 2.0, Dynamic
Registration 1.0):

- :mod:`.launch` - OIDC third-party login initiation (``/lti/login``) and the signed
  ``id_token`` launch (``/lti/launch``): every check the Security Framework asks for, and
  the mapping of the platform's user and roles to the service's students and instructors.
- :mod:`.deep_linking` - an instructor picks a published quiz; the platform gets a signed
  ``LtiDeepLinkingResponse`` with an ``ltiResourceLink`` and its line item.
- :mod:`.outbox` - scores to post, queued in the transaction that submits (or regrades,
  or finalises late) an attempt; :mod:`.worker` delivers them with retries and backoff.
- :mod:`.services` - the service calls: OAuth 2 client-credentials token with a signed JWT
  assertion, AGS score and line items, NRPS roster (:mod:`.roster` applies it).
- :mod:`.keys` - the tool's RSA keys with rotation, and the JWKS; :mod:`.platform_keys`
  fetches and caches each platform's JWKS (refetched when a new ``kid`` appears).
- :mod:`.registration` - platforms stored in the database: by hand (``quizlib serve lti
  register``) or by LTI Dynamic Registration from a one-time link.
- :mod:`.tables` - the tables; :mod:`.routes` - the HTTP endpoints and their HTML pages
  (every refusal is a 4xx page that says why); :mod:`.claims` - the IMS names.

Library choice (evaluated December 2026):

- ``pylti1p3`` (last release 2022) and its maintained fork ``pylti1p3next`` implement the
  tool side for Django and Flask with synchronous ``requests``. Both keep the login
  ``state`` in a cookie and the nonce in a framework session or cache; in an LMS iframe
  those cookies are third-party and browsers drop them, so each needs its "cookies
  allowed" workaround page. Adapting them to FastAPI means writing their request, cookie,
  session and cache adapters, and their grade call is a blocking one-shot POST with no
  queue, so a platform that is down loses the score.
- Building on a maintained JOSE library with ``httpx`` (already a server dependency) keeps
  the state and nonce in our database (shared by every process and host), gives the
  outbox its own retry policy, and leaves the cryptography to the library: we only
  decide which claims must hold. Of the JOSE libraries, ``joserfc`` (from the Authlib
  authors, typed, RFC-by-RFC, current in 2026) offers JWK sets with ``kid`` lookup and a
  claims registry with leeway; ``PyJWT`` lacks JWK-set handling of its own beyond a fetch
  client; ``jwcrypto`` works but has a lower-level API.

So: **joserfc + httpx**, the LTI rules written here against the IMS specifications. The
tests drive every flow from an independent platform (``tests/lti_platform.py``) that signs
and verifies with PyJWT and the ``lti1p3platform`` package, never with this code.
"""
