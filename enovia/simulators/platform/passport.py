"""The simulated 3DPassport (a CAS server): logins, service tickets and batch tickets.

    GET  /3dpassport/login?action=get_auth_params   {"response": "login", "lt": "LT-..."}
    GET  /3dpassport/login[?service=]               302 service?ticket=ST-... with a live
                                                    CASTGC, else the HTML login page (200)
    POST /3dpassport/login[?service=]  form lt, username, password
                                                    CASTGC + 302 service?ticket=ST-...;
                                                    wrong: the login page again (200)
    GET  /3dpassport/api/v2/batch/ticket?identifier=&service=
         DS-Service-Name / DS-Service-Secret        {"access_token", "token_type":
                                                    "CAS_TRANSIENT", "expires_in", ...}
    GET  /3dpassport/api/login/cas/transient?tgt=&service=
                                                    CASTGC + 200 JSON or 302 (config)

Every call: counted; waits the latency (+ jitter); 503 while `down` or `passport_down`.
Login tickets, batch tickets and service tickets are single-use and short-lived. Faults of
its own: `login_redirect` (the login page redirects every caller there),
`batch_token_type` (batch/ticket's `token_type`), `transient_reject_next` (the transient
login refuses good tickets).
"""

from __future__ import annotations

import hashlib
from typing import Final
from urllib.parse import parse_qs

from starlette.types import Receive, Scope, Send

from enovia.simulators.common.asgi import Answer, BodyTooLarge, json_answer, read_body
from enovia.simulators.common.calls import pause, serve
from enovia.simulators.common.credentials import same_secret
from enovia.simulators.common.paths import encode_segments
from enovia.simulators.common.routing import scope_segments
from enovia.simulators.platform.config import PlatformUser
from enovia.simulators.platform.pages import (
    logged_in_page,
    login_page,
    unauthorized_service_page,
)
from enovia.simulators.platform.request import PASSPORT_ROOT, Call, is_absolute_http, with_ticket
from enovia.simulators.platform.state import PlatformState, ServiceGrant
from enovia.simulators.platform.stats import (
    AUTH_PARAMS,
    BATCH_TICKET,
    LOGIN_FORM,
    LOGIN_PAGE,
    TRANSIENT_LOGIN,
    UNMATCHED,
)
from enovia.simulators.platform.wire import (
    html_answer,
    platform_error,
    redirect,
    route_refusal,
    set_cookie,
)

# A login form is short; anything bigger is refused without reading it all.
FORM_BODY_LIMIT: Final = 64 * 1024

_UNAVAILABLE: Final = platform_error(503, "3DPassport is unavailable")
_NO_ENDPOINT: Final = platform_error(404, "No such 3DPassport endpoint")


def _route(segments: tuple[str, ...], method: str, action: str | None) -> tuple[str, str]:
    """(template, the method it takes) for a path below `/3dpassport`."""
    match segments:
        case ("login",):
            if method == "POST":
                return LOGIN_FORM, "POST"
            return (AUTH_PARAMS if action == "get_auth_params" else LOGIN_PAGE), "GET"
        case ("api", "v2", "batch", "ticket"):
            return BATCH_TICKET, "GET"
        case ("api", "login", "cas", "transient"):
            return TRANSIENT_LOGIN, "GET"
    return UNMATCHED, ""


def userdata(user: PlatformUser) -> dict[str, object]:
    """What the transient login says about *user*."""
    pid = hashlib.blake2b(user.username.encode(), digest_size=16).hexdigest().upper()
    return {
        "pid": pid,
        "username": user.username,
        "email": f"{user.username}@example.invalid",
        "firstname": user.username,
        "lastname": "",
    }


class PassportApi:
    """ASGI app for everything below `/3dpassport`, over one simulator's state."""

    def __init__(self, state: PlatformState) -> None:
        self._state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        call = Call.of(scope)
        segments = scope_segments(scope)
        template, taken = _route(segments, call.method, call.query.get("action"))
        template, refusal = route_refusal(template, call.method, taken, _NO_ENDPOINT)
        path = encode_segments(("3dpassport", *segments))
        answering = self._answer(call, receive, template, refusal)
        await serve(self._state, template, path, send, answering, headers=scope["headers"])

    async def _answer(
        self, call: Call, receive: Receive, template: str, refusal: Answer | None
    ) -> Answer | None:
        state = self._state
        await pause(state)
        faults = state.faults
        if faults.down or faults.passport_down:
            return _UNAVAILABLE
        if refusal is not None:
            return refusal
        if template == AUTH_PARAMS:
            lt = state.login_tickets.issue(True, state.config.login_ticket_ttl)
            return json_answer(
                200, {"response": "login", "lt": lt}, ((b"cache-control", b"no-store"),)
            )
        if template == LOGIN_PAGE:
            if faults.login_redirect is not None:
                return redirect(self._resolve(call, faults.login_redirect))
            return self._login_page(call)
        if template == LOGIN_FORM:
            return await self._login_form(call, receive)
        if template == BATCH_TICKET:
            return self._batch_ticket(call)
        return self._transient_login(call)

    @staticmethod
    def _resolve(call: Call, location: str) -> str:
        """*location* (a path on the simulator, or an absolute URL) as an absolute URL."""
        return call.origin + location if location.startswith("/") else location

    def _service(self, call: Call, form: dict[str, str] | None = None) -> str | None:
        service = call.query.get("service")
        if service is None and form is not None:
            service = form.get("service")
        return service or None

    def _fresh_login_page(self, service: str | None, *, failed: bool = False) -> Answer:
        lt = self._state.login_tickets.issue(True, self._state.config.login_ticket_ttl)
        return html_answer(200, login_page(service, lt, failed=failed))

    def _login_page(self, call: Call) -> Answer:
        """CAS single sign-on: a live CASTGC gets a service ticket at once."""
        service = self._service(call)
        if service is not None and not is_absolute_http(service):
            return html_answer(400, unauthorized_service_page())
        state = self._state
        tgt = call.cookies.get(state.config.castgc_name)
        session = None if tgt is None else state.passport_sessions.use(tgt)
        if session is None:
            return self._fresh_login_page(service)
        if service is None:
            return html_answer(200, logged_in_page(session.username))
        return redirect(self._service_ticket_url(session.username, service))

    async def _login_form(self, call: Call, receive: Receive) -> Answer | None:
        try:
            body = await read_body(receive, FORM_BODY_LIMIT)
        except BodyTooLarge:
            return platform_error(413, "Request body too large")
        if body is None:
            return None
        try:
            fields = parse_qs(body.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            return platform_error(400, "The form is not UTF-8")
        form = {name: values[0] for name, values in fields.items()}
        service = self._service(call, form)
        if service is not None and not is_absolute_http(service):
            return html_answer(400, unauthorized_service_page())
        state = self._state
        # The login ticket is spent whatever happens next, as CAS does.
        lt_good = state.login_tickets.redeem(form.get("lt", "")) is not None
        user = state.config.user(form.get("username", ""))
        password_good = user is not None and same_secret(form.get("password", ""), user.password)
        if not lt_good or user is None or not password_good:
            return self._fresh_login_page(service, failed=True)
        cookie = self._start_passport_session(call, user.username)
        if service is None:
            return html_answer(200, logged_in_page(user.username), (cookie,))
        return redirect(self._service_ticket_url(user.username, service), (cookie,))

    def _batch_ticket(self, call: Call) -> Answer:
        state = self._state
        name = call.header(b"ds-service-name") or ""
        secret = call.header(b"ds-service-secret") or ""
        if not (
            same_secret(name, state.config.batch_service_name)
            and same_secret(secret, state.batch_secret)
        ):
            return json_answer(
                401,
                {
                    "error": "invalid_service",
                    "error_description": "Unknown batch service or wrong secret",
                },
            )
        identifier = call.query.get("identifier", "")
        user = state.config.user(identifier)
        if user is None:
            return json_answer(
                400,
                {"error": "invalid_request", "error_description": "Unknown identifier"},
            )
        service = call.query.get("service")
        if service is not None and not is_absolute_http(service):
            return json_answer(
                400,
                {"error": "invalid_request", "error_description": "service is not a URL"},
            )
        ttl = state.config.batch_ticket_ttl
        ticket = state.batch_tickets.issue(user.username, ttl)
        passport = call.passport
        data = {
            "access_token": ticket,
            "token_type": state.faults.batch_token_type,
            # An integer whenever the ttl is whole: what clients of it usually expect.
            "expires_in": int(ttl) if float(ttl).is_integer() else ttl,
            "x3ds_auth_url": f"{passport}/api/login/cas/transient",
            "x3ds_reauth_url": f"{passport}/api/v2/batch/ticket",
        }
        return json_answer(200, data, ((b"cache-control", b"no-store"),))

    def _transient_login(self, call: Call) -> Answer:
        state = self._state
        redirecting = state.config.transient_login_shape == "redirect"
        service = self._service(call)
        # Checked before the ticket is spent: a client's mistake should not cost its ticket.
        if service is not None and not is_absolute_http(service):
            return json_answer(400, {"result": "failure", "message": "service is not a URL"})
        if redirecting and service is None:
            return json_answer(400, {"result": "failure", "message": "service is required"})
        username = state.batch_tickets.redeem(call.query.get("tgt", ""))
        if username is not None and state.take_transient_rejection():
            username = None  # as if it had expired on the way: spent all the same
        user = None if username is None else state.config.user(username)
        if user is None:
            state.stats.ticket_refused()
            return json_answer(
                401, {"result": "failure", "message": "Invalid, used or expired ticket"}
            )
        cookie = self._start_passport_session(call, user.username)
        if redirecting:
            assert service is not None  # refused above
            return redirect(self._service_ticket_url(user.username, service), (cookie,))
        data = {"result": "success", "message": "authenticated", "userdata": userdata(user)}
        return json_answer(200, data, (cookie,))

    def _start_passport_session(self, call: Call, username: str) -> tuple[bytes, bytes]:
        """A new CASTGC for *username*: the Set-Cookie header to send."""
        state = self._state
        tgt, _ = state.passport_sessions.start(username)
        state.stats.passport_login()
        return set_cookie(state.config.castgc_name, tgt, PASSPORT_ROOT, secure=call.secure)

    def _service_ticket_url(self, username: str, service: str) -> str:
        state = self._state
        ticket = state.service_tickets.issue(
            ServiceGrant(username, service), state.config.service_ticket_ttl
        )
        return with_ticket(service, ticket)
