"""The simulated 3DSpace: the session gate in front of its web services.

    GET  /3dspace/resources/modeler/pno/person?current=true[&select=preferredcredentials]
    GET  /3dspace/resources/v1/application/CSRF
    GET  /3dspace/resources/v1/modeler/documents/{id}
    GET  /3dspace/resources/v1/modeler/documents/search?searchStr=&$top=&$skip=
    POST /3dspace/resources/v1/modeler/documents/ids          (CSRF token)
    POST /3dspace/resources/v1/modeler/dslc/version/getGraph  (CSRF token)

Every call goes through these steps, in this order: counted; waits the latency (+ jitter);
a POST's body is read; held while `hang` is on; 503 while `down`. Then authentication: a
`ticket=ST-...` query parameter is redeemed (a session, `JSESSIONID`, and 302 to the same
URL without it; a bad ticket is a lost session; under `session_drop_next` the session ends
after its first call); `Authorization: Basic` must be the agent's (else 401; ignored under
`agent_auth_off`); otherwise a live `JSESSIONID` session, or the session-loss answer
(`session_loss_shape`). Then: 403 without the configured `tenant`; 429 every Nth call under
`rate_limit`; the error status for an `error_rate` draw; 404/405 for no such endpoint; under
`/resources/v1/` the `SecurityContext` header (400 missing, 403 unknown); on POSTs the
`ENO_CSRF_TOKEN` header (403 naming CSRF; `csrf_reject_next`); the answer itself, which
`malformed` or `html_error` may replace. Last, the answer travels: held `wire_delay_ms`
before it is sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from starlette.types import Receive, Scope, Send

from enovia.simulators.common.asgi import Answer, BodyTooLarge, json_answer, read_body
from enovia.simulators.common.calls import pause, serve, travelled
from enovia.simulators.common.credentials import same_secret
from enovia.simulators.common.paths import encode_segments
from enovia.simulators.common.routing import scope_segments
from enovia.simulators.platform.config import CONTEXT_PREFIX, PlatformUser, split_context
from enovia.simulators.platform.documents import DocumentsApi, Outcome
from enovia.simulators.platform.malformed import malformed_answer
from enovia.simulators.platform.pages import LOGIN_PATH, login_page
from enovia.simulators.platform.request import SPACE_ROOT, Call, same_service
from enovia.simulators.platform.state import PlatformState, new_csrf_token
from enovia.simulators.platform.stats import (
    CSRF,
    DOCUMENT,
    DOCUMENTS_BY_IDS,
    GRAPH,
    PERSON,
    SEARCH,
    UNMATCHED,
)
from enovia.simulators.platform.tickets import Session
from enovia.simulators.platform.wire import (
    error_page_answer,
    html_answer,
    platform_error,
    redirect,
    route_refusal,
    set_cookie,
)

SESSION_COOKIE: Final = "JSESSIONID"
CSRF_HEADER_NAME: Final = "ENO_CSRF_TOKEN"
# documents/ids and getGraph bodies are small; anything bigger is refused unread.
BODY_LIMIT: Final = 1024 * 1024

_UNAVAILABLE: Final = platform_error(503, "3DSpace is unavailable")
_NO_ENDPOINT: Final = platform_error(404, "No such 3DSpace resource")
_BAD_AGENT: Final = platform_error(
    401, "Invalid agent credentials", ((b"www-authenticate", b'Basic realm="3DSpace"'),)
)
_NO_CONTEXT: Final = platform_error(400, "Missing SecurityContext header")
_WRONG_TENANT: Final = platform_error(403, "Missing or unknown tenant")
_BAD_CSRF: Final = platform_error(403, f"Invalid or missing CSRF token ({CSRF_HEADER_NAME})")
_STALE_CSRF: Final = platform_error(
    403, f"CSRF token ({CSRF_HEADER_NAME}) has expired: fetch a new one"
)
_NOT_AUTHENTICATED: Final = platform_error(401, "Not authenticated: no valid session")
_SESSION_FORBIDDEN: Final = platform_error(
    403, "Session expired or not authenticated: please login again"
)


def _route(segments: tuple[str, ...]) -> tuple[str, str, tuple[str, ...]]:
    """(template, the method it takes, identifiers) for a path below `/3dspace`."""
    match segments:
        case ("resources", "modeler", "pno", "person"):
            return PERSON, "GET", ()
        case ("resources", "v1", "application", "CSRF"):
            return CSRF, "GET", ()
        case ("resources", "v1", "modeler", "documents", "search"):
            return SEARCH, "GET", ()
        case ("resources", "v1", "modeler", "documents", "ids"):
            return DOCUMENTS_BY_IDS, "POST", ()
        case ("resources", "v1", "modeler", "documents", oid):
            return DOCUMENT, "GET", (oid,)
        case ("resources", "v1", "modeler", "dslc", "version", "getGraph"):
            return GRAPH, "POST", ()
    return UNMATCHED, "", ()


def _pid(*parts: str) -> str:
    """A stable 32-hex id for a person, role, organization or collab space."""
    key = "\x00".join(parts).encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest().upper()


def _credentials(context: str | None) -> dict[str, object] | None:
    names = None if context is None else split_context(context)
    if names is None:
        return None
    role, organization, collabspace = names
    return {
        "role": {"pid": _pid("role", role), "name": role, "nls": role},
        "organization": {
            "pid": _pid("organization", organization),
            "name": organization,
            "title": organization,
        },
        "collabspace": {
            "pid": _pid("collabspace", collabspace),
            "name": collabspace,
            "title": collabspace,
        },
    }


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a call acts as: a session's user, or the agent (no session)."""

    user: PlatformUser
    session: Session | None


class SpaceApi:
    """ASGI app for everything below `/3dspace`, over one simulator's state."""

    def __init__(self, state: PlatformState) -> None:
        self._state = state
        self._documents = DocumentsApi(state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        call = Call.of(scope)
        segments = scope_segments(scope)
        template, taken, ids = _route(segments)
        template, refusal = route_refusal(template, call.method, taken, _NO_ENDPOINT)
        path = encode_segments(("3dspace", *segments))
        resources = segments[:1] == ("resources",)
        answering = self._answer(call, receive, template, ids, refusal, resources=resources)
        travelling = travelled(self._state, receive, answering)
        await serve(self._state, template, path, send, travelling, headers=scope["headers"])

    async def _answer(
        self,
        call: Call,
        receive: Receive,
        template: str,
        ids: tuple[str, ...],
        refusal: Answer | None,
        *,
        resources: bool,
    ) -> Answer | None:
        state = self._state
        await pause(state)
        # Read before any hold: the hold watches receive() for the client leaving, which
        # would swallow a body still unread.
        body: bytes | BodyTooLarge = b""
        if call.method == "POST":
            try:
                read = await read_body(receive, BODY_LIMIT)
            except BodyTooLarge as error:
                body = error
            else:
                if read is None:
                    return None
                body = read
        if await state.held(receive):
            return None
        faults = state.faults
        if faults.down:
            return _UNAVAILABLE
        ticket = call.query.get("ticket")
        if ticket is not None:
            return self._redeem(call, ticket)
        principal = self._authenticate(call)
        if isinstance(principal, Answer):
            return principal
        tenant = state.config.tenant
        if resources and tenant is not None and call.query.get("tenant") != tenant:
            return _WRONG_TENANT
        retry_after = state.draw_rate_limit()
        if retry_after is not None:
            return platform_error(
                429, "Too many requests", ((b"retry-after", str(retry_after).encode()),)
            )
        if state.draw_error():
            return platform_error(faults.error_status, "Simulated failure")
        if refusal is not None:
            return refusal
        outcome = self._resource(call, body, template, ids, principal)
        return self._faulted(template, outcome)

    # Authentication ------------------------------------------------------------------------

    def _redeem(self, call: Call, ticket: str) -> Answer:
        """A service ticket: a new session and 302 to the URL without it, or a lost session."""
        state = self._state
        target = call.url_without("ticket")
        grant = state.service_tickets.redeem(ticket)
        if grant is None or not same_service(grant.service, target):
            state.stats.ticket_refused()
            return self._session_lost(call, target)
        session_id, session = state.sessions.start(grant.username)
        if state.take_session_drop():
            # It serves the login's last hop (the service URL), then the node drops it.
            session.calls_left = 1
        state.stats.login()
        cookie = set_cookie(SESSION_COOKIE, session_id, SPACE_ROOT, secure=call.secure)
        return redirect(target, (cookie,))

    def _authenticate(self, call: Call) -> Principal | Answer:
        state = self._state
        authorization = call.header(b"authorization")
        if (
            authorization is not None
            and authorization[:6].lower() == "basic "
            # Agent authentication not enabled: the header counts for nothing.
            and not state.faults.agent_auth_off
        ):
            return self._agent(authorization[6:].strip())
        session_id = call.cookies.get(SESSION_COOKIE)
        session = None if session_id is None else state.sessions.use(session_id)
        if session is None:
            return self._session_lost(call, call.url)
        user = state.config.user(session.username)
        if user is None:  # cannot happen: sessions are only opened for configured users
            return self._session_lost(call, call.url)
        return Principal(user, session)

    def _agent(self, credentials: str) -> Principal | Answer:
        config = self._state.config
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return _BAD_AGENT
        agent_id, colon, secret = decoded.partition(":")
        if (
            colon
            and same_secret(agent_id, config.agent_id)
            and same_secret(secret, config.agent_secret)
        ):
            return Principal(config.agent_user, None)
        return _BAD_AGENT

    def _session_lost(self, call: Call, service: str) -> Answer:
        """How this platform answers a call without a valid session (session_loss_shape)."""
        state = self._state
        state.stats.session_lost()
        shape = state.faults.session_loss_shape
        if shape == "redirect":
            return redirect(f"{call.origin}{LOGIN_PATH}?service={quote(service, safe='')}")
        if shape == "login_page":
            lt = state.login_tickets.issue(True, state.config.login_ticket_ttl)
            return html_answer(200, login_page(service, lt))
        if shape == "json_401":
            return _NOT_AUTHENTICATED
        return _SESSION_FORBIDDEN

    # Resources -----------------------------------------------------------------------------

    def _resource(
        self,
        call: Call,
        body: bytes | BodyTooLarge,
        template: str,
        ids: tuple[str, ...],
        principal: Principal,
    ) -> Outcome:
        if template == PERSON:
            return Outcome(self._person(call, principal))
        refusal = self._check_context(call, principal)
        if refusal is not None:
            return Outcome(refusal)
        if template == CSRF:
            token = {"name": CSRF_HEADER_NAME, "value": self._csrf_token(principal)}
            return Outcome(json_answer(200, {"success": True, "statusCode": 200, "csrf": token}))
        if template == DOCUMENT:
            return self._documents.document(ids[0])
        if template == SEARCH:
            return self._documents.search(call.query)
        refusal = self._check_csrf(call, principal)
        if refusal is not None:
            return Outcome(refusal)
        if isinstance(body, BodyTooLarge):
            return Outcome(platform_error(413, "Request body too large"))
        if template == DOCUMENTS_BY_IDS:
            return self._documents.by_ids(body)
        return self._documents.graph(body, call.origin + SPACE_ROOT)

    def _person(self, call: Call, principal: Principal) -> Answer:
        if call.query.get("current") != "true":
            return platform_error(400, "Only current=true is supported")
        user = principal.user
        data: dict[str, object] = {"pid": _pid("person", user.username), "name": user.username}
        selected = {part.strip() for part in call.query.get("select", "").split(",")}
        if "preferredcredentials" in selected:
            data["preferredcredentials"] = _credentials(user.preferred_context)
        return json_answer(200, data)

    def _check_context(self, call: Call, principal: Principal) -> Answer | None:
        raw = call.header(b"securitycontext")
        if not raw:
            return _NO_CONTEXT
        try:
            # Headers arrive as bytes; clients send UTF-8.
            context = raw.encode("latin-1").decode()
        except UnicodeDecodeError:
            context = raw
        allowed = self._state.config.contexts_of(principal.user)
        if context.removeprefix(CONTEXT_PREFIX) not in allowed:
            return platform_error(403, f"Invalid SecurityContext {context!r} for this user")
        return None

    def _csrf_token(self, principal: Principal) -> str:
        """The principal's CSRF token, created on first demand."""
        state = self._state
        session = principal.session
        if session is None:
            if state.agent_csrf is None:
                state.agent_csrf = new_csrf_token()
            return state.agent_csrf
        if session.csrf is None:
            session.csrf = new_csrf_token()
        return session.csrf

    def _check_csrf(self, call: Call, principal: Principal) -> Answer | None:
        state = self._state
        session = principal.session
        expected = state.agent_csrf if session is None else session.csrf
        given = call.header(CSRF_HEADER_NAME.lower().encode())
        if expected is None or given is None or not same_secret(given, expected):
            state.stats.csrf_refused()
            return _BAD_CSRF
        if state.take_csrf_rejection():
            # As if the token had lapsed: the client's refetch gets a new one.
            if session is None:
                state.agent_csrf = new_csrf_token()
            else:
                session.csrf = new_csrf_token()
            state.stats.csrf_refused()
            return _STALE_CSRF
        return None

    def _faulted(self, template: str, outcome: Outcome) -> Answer:
        """The answer, or what `malformed` or `html_error` put in its place."""
        state = self._state
        malformed = state.faults.malformed
        for name in outcome.names:
            kind = malformed.get(name)
            if kind is not None:
                return malformed_answer(kind, template)
        status = state.html_error_status(template, outcome.names)
        if status is not None:
            return error_page_answer(status)
        return outcome.answer
