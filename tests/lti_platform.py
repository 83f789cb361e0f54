"""An LTI 1.3 platform for the tests: an independent implementation the tool is driven by over real HTTP.

It shares no code with ``quizlib.server.lti``. Messages are built with the ``lti1p3platform``
package (a third party's platform library: its launch builder, deep-linking claims and
deep-linking response check) and signed and verified with PyJWT (the tool uses joserfc).
Where that package is lax, the checks a real LMS applies are added here and name their
source:

- client assertion (IMS Security Framework 4.1): ``iss`` = ``sub`` = client id, ``aud`` the
  token endpoint, unexpired, ``jti`` used once, signature against the tool's JWKS;
- scores (AGS 2.0 3.4): media type ``application/vnd.ims.lis.v1.score+json``, the fields Canvas
  requires (``app/controllers/lti/ims/scores_controller.rb``: userId, activityProgress,
  gradingProgress, timestamp; scoreMaximum when scoreGiven is present) and Moodle's rules
  (``mod/lti/service/gradebookservices/classes/local/resources/scores.php``: its ISO 8601
  pattern, and 409 for a timestamp not later, in seconds, than the grade it holds);
- deep-linking response (Deep Linking 2.0 4.2): signature against the tool's JWKS, ``aud`` the
  platform's issuer, ``iss`` the client id, message type and version, deployment id, ``data`` echoed.

The "browser" is an httpx client following the OIDC dance: the platform sends it to the
tool's login URL, the tool redirects it to the platform's authorization endpoint, and the
platform answers with the auto-posting form that carries ``id_token`` and ``state``.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt as pyjwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# Moodle's check of AGS timestamps (gradebookservices::validate_iso8601_date), verbatim pattern.
MOODLE_ISO8601 = re.compile(
    r"^([\+-]?\d{4}(?!\d{2}\b))((-?)((0[1-9]|1[0-2])"
    r"(\3([12]\d|0[1-9]|3[01]))?|W([0-4]\d|5[0-2])(-?[1-7])?|(00[1-9]|0[1-9]\d|[12]\d{2}|3([0-5]\d|6[1-6])))"
    r"([T\s]((([01]\d|2[0-3])((:?)[0-5]\d)?|24\:?00)([\.,]\d+(?!:))?)?(\17[0-5]\d([\.,]\d+)?)"
    r"?([zZ]|([\+-])([01]\d|2[0-3]):?([0-5]\d)?)?)?)?$")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class _Forms(HTMLParser):
    """The first form of a page: its action and hidden fields (what a browser would post)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.radios: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a.get("name", "")] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio":
            self.radios.append(a.get("value", ""))


def read_form(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


@dataclass
class User:
    sub: str
    name: str
    roles: list[str]
    email: str | None = None
    sourcedid: str | None = None


@dataclass
class Tamper:
    """How a launch should be broken (each field one kind of bad launch)."""

    wrong_key: bool = False
    expired: bool = False
    audience: str | None = None
    deployment_id: str | None = None
    drop: tuple[str, ...] = ()
    message_type: str | None = None
    version: str | None = None
    issuer: str | None = None
    nonce: str | None = None


@dataclass
class _Pending:
    user: User
    message_type: str
    resource_link_id: str | None
    custom: dict[str, str]
    context_id: str
    tamper: Tamper
    lineitem: str | None


class _Conf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration  # type: ignore[return-value]


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def __init__(self, preflight: dict[str, Any], conf: _Conf) -> None:
        self._preflight = preflight
        super().__init__(None, conf)  # type: ignore[arg-type]
        self._registration = conf.get_registration()

    def get_preflight_response(self) -> dict[str, Any]:
        return self._preflight

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> Any:
        return launch_data


@dataclass
class Platform:
    """A running test LMS. ``start()`` it, ``register`` the tool with it, then launch."""

    tool_url: str
    client_id: str = "quizlib-test-client"
    deployment_id: str = "deployment-1"
    context_id: str = "course-101"
    port: int = field(default_factory=_free_port)
    down: bool = False
    delay: float = 0.0
    """Seconds each score request takes (a slow LMS keeps a score in flight, so racing senders would overlap)."""
    scores: list[dict[str, Any]] = field(default_factory=list)
    """Scores the platform accepted."""
    received: list[dict[str, Any]] = field(default_factory=list)
    """Every score request that reached the platform while it was up (accepted or refused, e.g. a repeat)."""
    refused_scores: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    deep_link_items: list[list[dict[str, Any]]] = field(default_factory=list)
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: list[User] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base = f"http://localhost:{self.port}"  # another site than the tool (127.0.0.1): cross-site, as in an LMS
        self.issuer = self.base
        self._private, self._public = _key_pair()
        self._old_public: str | None = None
        self._wrong_private, _ = _key_pair()
        self._pending: dict[str, _Pending] = {}
        self._tokens: dict[str, set[str]] = {}
        self._jtis: set[str] = set()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self.app = self._build()

    # --- what the tool is configured with ----------------------------------------------------------------
    @property
    def urls(self) -> dict[str, str]:
        return {"issuer": self.issuer, "auth": f"{self.base}/authorize", "token": f"{self.base}/token",
                "jwks": f"{self.base}/jwks", "openid": f"{self.base}/.well-known/openid-configuration"}

    def registration(self) -> Registration:
        reg = Registration()
        reg.set_iss(self.issuer).set_client_id(self.client_id).set_deployment_id(self.deployment_id)
        reg.set_launch_url(f"{self.tool_url}/lti/launch").set_deeplink_launch_url(f"{self.tool_url}/lti/launch")
        reg.set_oidc_login_url(f"{self.tool_url}/lti/login").set_tool_key_set_url(f"{self.tool_url}/lti/jwks")
        reg.set_platform_private_key(self._private).set_platform_public_key(self._public)
        return reg

    def rotate_keys(self) -> None:
        """A new signing key (kid); the old one stays published, as platforms do."""
        self._old_public = self._public
        self._private, self._public = _key_pair()

    def lineitem_url(self, item: str) -> str:
        # Moodle-shaped: a query string the tool must keep after inserting /scores into the path.
        return f"{self.base}/lineitems/{item}/lineitem?type_id=7"

    # --- the browser's side of a launch ---------------------------------------------------------------------
    def launch(self, browser: httpx.Client, user: User, resource_link_id: str | None = "link-1",
               custom: dict[str, str] | None = None, tamper: Tamper | None = None, deep_link: bool = False,
               lineitem: str | None = "item-1", replay: bool = False) -> httpx.Response:
        """Click the link in the course: OIDC login at the tool, authorization here, then the posted launch."""
        hint = secrets.token_urlsafe(8)
        with self._lock:
            self._pending[hint] = _Pending(user, "LtiDeepLinkingRequest" if deep_link else "LtiResourceLinkRequest",
                                           resource_link_id, custom or {}, self.context_id, tamper or Tamper(), lineitem)
        login = browser.get(f"{self.tool_url}/lti/login", params={
            "iss": self.issuer, "login_hint": user.sub, "target_link_uri": f"{self.tool_url}/lti/launch",
            "lti_message_hint": hint, "client_id": self.client_id, "lti_deployment_id": self.deployment_id})
        if login.status_code != 302:
            return login
        page = browser.get(login.headers["location"])
        assert page.status_code == 200, page.text
        form = read_form(page.text)
        assert form.action and set(form.fields) == {"id_token", "state"}, page.text
        first = browser.post(form.action, data=form.fields)
        if replay:
            return browser.post(form.action, data=form.fields)
        return first

    def login_url(self, user: User, resource_link_id: str = "link-1", custom: dict[str, str] | None = None,
                  lineitem: str = "item-1") -> str:
        """Where the LMS sends the browser to start a launch (the iframe's first address)."""
        hint = secrets.token_urlsafe(8)
        with self._lock:
            self._pending[hint] = _Pending(user, "LtiResourceLinkRequest", resource_link_id, custom or {},
                                           self.context_id, Tamper(), lineitem)
        return f"{self.tool_url}/lti/login?" + urlencode({
            "iss": self.issuer, "login_hint": user.sub, "target_link_uri": f"{self.tool_url}/lti/launch",
            "lti_message_hint": hint, "client_id": self.client_id, "lti_deployment_id": self.deployment_id})

    def post_launch(self, browser: httpx.Client, fields: dict[str, str]) -> httpx.Response:
        return browser.post(f"{self.tool_url}/lti/launch", data=fields)

    # --- the platform's endpoints ---------------------------------------------------------------------------
    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            keys = [Registration.get_jwk(self._public)]
            if self._old_public:
                keys.append(Registration.get_jwk(self._old_public))
            return {"keys": keys}

        @app.get("/authorize")
        def authorize(request: Request) -> Response:
            q = dict(request.query_params)
            expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
                        "client_id": self.client_id, "redirect_uri": f"{self.tool_url}/lti/launch"}
            wrong = {k: q.get(k) for k, v in expected.items() if q.get(k) != v}
            if wrong or not q.get("state") or not q.get("nonce"):
                return JSONResponse({"error": "invalid_request", "wrong": wrong}, status_code=400)
            with self._lock:
                pending = self._pending.pop(q.get("lti_message_hint", ""), None)
            if pending is None or pending.user.sub != q.get("login_hint"):
                return JSONResponse({"error": "login_required"}, status_code=400)
            id_token = self._id_token(q, pending)
            html = (f'<form method="post" action="{q["redirect_uri"]}">'
                    f'<input type="hidden" name="id_token" value="{id_token}">'
                    f'<input type="hidden" name="state" value="{q["state"]}"></form>'
                    '<script>document.forms[0].submit()</script>')  # what a browser sees; httpx reads the form
            return HTMLResponse(html)

        @app.get("/course")
        def course(src: str) -> Response:
            """A course page showing the tool in an iframe, as an LMS does."""
            return HTMLResponse(f'<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">'
                                f'</head><body style="margin:0"><h1>Course 101</h1>'
                                f'<iframe id="tool" title="Graded quiz" src="{src}" style="width:100%;height:1400px;'
                                f'border:0"></iframe></body></html>')

        @app.post("/token")
        async def token(request: Request) -> Response:
            form = dict(parse_qs((await request.body()).decode()))
            form = {k: v[0] for k, v in form.items()}
            self.token_requests.append(form)
            if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            try:
                claims = self._verify_tool_jwt(form.get("client_assertion", ""), audience=self.urls["token"])
            except (pyjwt.PyJWTError, StopIteration, httpx.HTTPError, KeyError, ValueError) as exc:
                return JSONResponse({"error": "invalid_client", "why": repr(exc)}, status_code=401)
            if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id or not claims.get("jti"):
                return JSONResponse({"error": "invalid_client", "why": "iss/sub/jti"}, status_code=401)
            with self._lock:
                if claims["jti"] in self._jtis:
                    return JSONResponse({"error": "invalid_client", "why": "jti reused"}, status_code=401)
                self._jtis.add(claims["jti"])
                access = secrets.token_urlsafe(16)
                self._tokens[access] = set(form.get("scope", "").split())
            return JSONResponse({"access_token": access, "token_type": "bearer", "expires_in": 3600,
                                 "scope": form.get("scope", "")})

        @app.post("/lineitems/{item}/lineitem/scores")
        async def score(item: str, request: Request) -> Response:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.down:
                return JSONResponse({"error": "maintenance"}, status_code=503)
            if request.query_params.get("type_id") != "7":
                return JSONResponse({"error": "the line item's query string was lost"}, status_code=400)
            if not self._authorized(request, SCORE_SCOPE):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            if request.headers.get("content-type", "").split(";")[0] != "application/vnd.ims.lis.v1.score+json":
                return JSONResponse({"error": "media type"}, status_code=415)
            body = await request.json()
            with self._lock:
                self.received.append({"item": item, **body} if isinstance(body, dict) else {"item": item})
            problem = self._score_problem(item, body)
            if problem:
                code, why = problem
                self.refused_scores.append((code, body))
                return JSONResponse({"error": why}, status_code=code)
            with self._lock:
                self.scores.append({"item": item, **body})
            return JSONResponse({"resultUrl": f"{self.base}/lineitems/{item}/results/{body['userId']}"})

        @app.get("/lineitems")
        def list_items(request: Request) -> Response:
            if not self._authorized(request, LINEITEM_SCOPE):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            link = request.query_params.get("resource_link_id")
            return JSONResponse([i for i in self.line_items.values() if link is None or i.get("resourceLinkId") == link])

        @app.post("/lineitems")
        async def create_item(request: Request) -> Response:
            if not self._authorized(request, LINEITEM_SCOPE):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            body = await request.json()
            item = f"created-{len(self.line_items) + 1}"
            self.line_items[item] = {**body, "id": self.lineitem_url(item)}
            return JSONResponse(self.line_items[item], status_code=201)

        @app.get("/memberships")
        def memberships(request: Request) -> Response:
            if not self._authorized(request, NRPS_SCOPE):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            page = int(request.query_params.get("page", "1"))
            per = 2
            chunk = self.members[(page - 1) * per: page * per]
            body = {"id": f"{self.base}/memberships", "context": {"id": self.context_id},
                    "members": [{"user_id": m.sub, "name": m.name, "email": m.email, "roles": m.roles, "status": "Active",
                                 **({"lis_person_sourcedid": m.sourcedid} if m.sourcedid else {})} for m in chunk]}
            headers = {}
            if page * per < len(self.members):
                headers["Link"] = f'<{self.base}/memberships?page={page + 1}>; rel="next"'
            return JSONResponse(body, headers={**headers, "Content-Type":
                                               "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"})

        @app.post("/deep_link_return")
        async def deep_link_return(request: Request) -> Response:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            conf = _Conf(registration=self.registration())
            conf.get_registration()
            try:
                items = conf.validate_deeplinking_resp(form)  # lti1p3platform: signature against the tool's JWKS
                claims = self._verify_tool_jwt(form["JWT"], audience=self.issuer)  # and what it leaves unchecked
            except Exception as exc:  # noqa: BLE001 - any failure is a refused response
                return JSONResponse({"error": str(exc)}, status_code=400)
            checks = {LTI + "message_type": "LtiDeepLinkingResponse", LTI + "version": "1.3.0",
                      LTI + "deployment_id": self.deployment_id,
                      "https://purl.imsglobal.org/spec/lti-dl/claim/data": "opaque-platform-data", "iss": self.client_id}
            wrong = [k for k, v in checks.items() if claims.get(k) != v]
            if wrong:
                return JSONResponse({"error": f"wrong claims {wrong}"}, status_code=400)
            self.deep_link_items.append(items)
            return HTMLResponse("<p>Added to the course.</p>")

        @app.get("/.well-known/openid-configuration")
        def openid() -> dict[str, Any]:
            return {"issuer": self.issuer, "authorization_endpoint": self.urls["auth"],
                    "token_endpoint": self.urls["token"], "jwks_uri": self.urls["jwks"],
                    "registration_endpoint": f"{self.base}/register",
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                    "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                        "product_family_code": "test-lms", "version": "1",
                        "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}]}}

        @app.post("/register")
        async def register(request: Request) -> Response:
            if request.headers.get("authorization") != "Bearer reg-token-123":
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            body = await request.json()
            self.registered = body
            conf = body.get("https://purl.imsglobal.org/spec/lti-tool-configuration", {})
            return JSONResponse({**body, "client_id": self.client_id,
                                 "https://purl.imsglobal.org/spec/lti-tool-configuration":
                                     {**conf, "deployment_id": self.deployment_id}})

        return app

    def _authorized(self, request: Request, scope: str) -> bool:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        with self._lock:
            return scope in self._tokens.get(token, set())

    def _score_problem(self, item: str, body: Any) -> tuple[int, str] | None:
        if not isinstance(body, dict):
            return 400, "not an object"
        for name in ("userId", "activityProgress", "gradingProgress", "timestamp"):  # Canvas REQUIRED_PARAMS
            if name not in body:
                return 400, f"{name} missing"
        if "scoreGiven" in body and "scoreMaximum" not in body:  # Canvas verify_valid_score_maximum
            return 422, "ScoreMaximum not supplied when ScoreGiven present."
        if not MOODLE_ISO8601.match(str(body["timestamp"])):  # Moodle validate_iso8601_date
            return 400, "Incorrect score received"
        if body["activityProgress"] not in ("Initialized", "Started", "InProgress", "Submitted", "Completed") or \
                body["gradingProgress"] not in ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"):
            return 400, "bad progress value"
        when = datetime.fromisoformat(body["timestamp"]).timestamp()
        previous = [s for s in self.scores if s["item"] == item and s["userId"] == body["userId"]]
        if previous and int(datetime.fromisoformat(previous[-1]["timestamp"]).timestamp()) >= int(when):
            return 409, "Refusing score with an earlier timestamp"  # Moodle: seconds, >=
        return None

    def _verify_tool_jwt(self, token: str, audience: str) -> dict[str, Any]:
        header = pyjwt.get_unverified_header(token)
        keys = httpx.get(f"{self.tool_url}/lti/jwks", timeout=10).json()["keys"]
        key = next(k for k in keys if k.get("kid") == header.get("kid"))
        public = pyjwt.algorithms.RSAAlgorithm.from_jwk(key)
        return pyjwt.decode(token, public, algorithms=["RS256"], audience=audience,  # type: ignore[arg-type]
                            options={"require": ["exp", "iat", "iss", "aud"]})

    def _id_token(self, q: dict[str, str], p: _Pending) -> str:
        launch = _Launch(q, _Conf(registration=self.registration()))
        launch.set_user_data(p.user.sub, p.user.roles, p.user.name, p.user.email)
        launch.set_launch_context_claim(p.context_id, context_title="Military diplomacy 101")
        if p.custom:
            launch.set_custom_parameters_claim(p.custom)
        launch.set_nrps(f"{self.base}/memberships")
        if p.message_type == "LtiDeepLinkingRequest":
            launch.set_dl(f"{self.base}/deep_link_return", title="Add a quiz", accept_types={"ltiResourceLink", "link"},
                          extra_data="opaque-platform-data")  # type: ignore[arg-type]
        else:
            launch.set_resource_link_claim(p.resource_link_id or "", title="Graded quiz")
            launch.set_ags(f"{self.base}/lineitems", self.lineitem_url(p.lineitem) if p.lineitem else None)
        claims, _ = launch.get_launch_data()
        if p.message_type == "LtiDeepLinkingRequest":
            claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
            claims.update(launch._deep_linking_launch_data or {})  # noqa: SLF001
            claims.pop(LTI + "resource_link", None)
        if p.user.sourcedid:
            claims[LTI + "lis"] = {"person_sourcedid": p.user.sourcedid}
        now = int(time.time())
        claims.update({"iat": now, "exp": now + 300})
        t = p.tamper
        if t.expired:
            claims.update({"iat": now - 3600, "exp": now - 600})
        if t.audience is not None:
            claims.update({"aud": t.audience, "azp": t.audience})
        if t.deployment_id is not None:
            claims[LTI + "deployment_id"] = t.deployment_id
        if t.message_type is not None:
            claims[LTI + "message_type"] = t.message_type
        if t.version is not None:
            claims[LTI + "version"] = t.version
        if t.issuer is not None:
            claims["iss"] = t.issuer
        if t.nonce is not None:
            claims["nonce"] = t.nonce
        for name in t.drop:
            claims.pop(name, None)
        key = self._wrong_private if t.wrong_key else self._private
        kid = Registration.get_jwk(self._public)["kid"]  # a wrong key still claims the platform's kid
        return pyjwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    # --- running --------------------------------------------------------------------------------------------
    def start(self) -> Platform:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        thread = threading.Thread(target=self._server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/jwks", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("test platform did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

    def scores_for(self, sub: str) -> list[dict[str, Any]]:
        return [s for s in self.scores if s["userId"] == sub]

    def received_for(self, sub: str) -> list[dict[str, Any]]:
        return [s for s in self.received if s.get("userId") == sub]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def register_url(tool_url: str, code: str, platform: Platform) -> str:
    return f"{tool_url}/lti/register?" + urlencode({"code": code, "openid_configuration": platform.urls["openid"],
                                                    "registration_token": "reg-token-123"})
