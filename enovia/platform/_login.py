"""How the gateway proves who it is: the three login methods, and the 3DPassport
conversations that open a 3DSpace session (section 1 of docs/3dexperience-protocol.md)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from typing import Final, Literal

import httpx
import orjson

from enovia._errors import UpstreamAuthFailed, UpstreamUnavailable
from enovia._models import parse_answer
from enovia._secret import Secret
from enovia._transport import shown_url
from enovia.platform._answers import AuthParamsAnswer, BatchTicketAnswer, TransientLoginAnswer
from enovia.platform._requests import BATCH_TICKET, CAS_TRANSIENT, PASSPORT_LOGIN, PERSON
from enovia.platform._responses import is_html, is_session_refusal
from enovia.platform._wire import Wire

AuthMode = Literal["batch-service", "agent", "cas-password"]


@dataclass(frozen=True, slots=True)
class BatchServiceLogin:
    """On premises, unattended: 3DPassport's batch service `service_name` (with its
    `secret`) gets transient tickets for `user`, whom the gateway then acts as."""

    service_name: str
    secret: Secret
    user: str


@dataclass(frozen=True, slots=True)
class AgentLogin:
    """Cloud: HTTP Basic with the agent's id and secret on every 3DSpace call, no login."""

    agent_id: str
    secret: Secret


@dataclass(frozen=True, slots=True)
class PasswordLogin:
    """Development fallback: 3DPassport's CAS login form with a person's password."""

    username: str
    password: Secret


LoginMethod = BatchServiceLogin | AgentLogin | PasswordLogin

#: A ticket as 3DPassport issues it for a batch service; any other type is a refusal.
TRANSIENT_TICKET: Final = "CAS_TRANSIENT"
#: Redirects one login follows at most.
MAX_REDIRECTS: Final = 10
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_ERROR_CODE: Final = re.compile(r"[a-z_]{1,64}")
_FORM_ACTION: Final = re.compile(rb"<form[^>]*\saction\s*=\s*[\"']([^\"']*/login[^\"']*)", re.I)


def auth_mode(login: LoginMethod) -> AuthMode:
    """The `TDX_AUTH_MODE` that names `login`."""
    if isinstance(login, BatchServiceLogin):
        return "batch-service"
    if isinstance(login, AgentLogin):
        return "agent"
    return "cas-password"


def basic_credentials(agent: AgentLogin) -> str:
    """The agent's `Authorization` header value."""
    pair = f"{agent.agent_id}:{agent.secret.get()}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class Passport:
    """Opens 3DSpace sessions through 3DPassport (CAS); the session's cookies land in the
    HTTP client's one jar, which holds the cookies of both hosts.

    `space_url` is 3DSpace's root without a trailing slash. `passport_url` is 3DPassport's
    root, or None to discover it once from the redirect of an unauthenticated 3DSpace call
    (or from the login form, where 3DSpace answers with 3DPassport's login page instead).
    """

    def __init__(
        self,
        wire: Wire,
        *,
        space_url: str,
        passport_url: httpx.URL | None,
        tenant: str | None,
    ) -> None:
        self._wire = wire
        self._space_url = space_url
        self._passport_url = None if passport_url is None else _root(passport_url)
        self._tenant = tenant

    async def open_session(self, login: BatchServiceLogin | PasswordLogin) -> None:
        """Log in afresh (the cookies of any earlier session are dropped first) and open a
        3DSpace session. Raises `UpstreamAuthFailed` when the platform refuses, naming the
        step; `UpstreamUnavailable` when it cannot answer; `UpstreamBadResponse` when it
        answers out of protocol."""
        self._wire.http.cookies.clear()
        passport = await self._passport()
        if isinstance(login, BatchServiceLogin):
            await self._batch_login(passport, login)
        else:
            await self._password_login(passport, login)

    # 3DPassport's URL ----------------------------------------------------------------------

    async def _passport(self) -> str:
        if self._passport_url is None:
            self._passport_url = await self._discover_passport()
        return self._passport_url

    async def _discover_passport(self) -> str:
        """3DSpace sends an unauthenticated caller to `{passport}/login?service=...`."""
        params = {"current": "true"}
        if self._tenant is not None:
            params["tenant"] = self._tenant
        response = await self._wire.send(
            "GET", self._space_url + PERSON, PERSON, host="3DSpace", params=params, login=True
        )
        location = response.headers.get("location")
        if response.status_code in _REDIRECTS and location:
            found = _passport_of(response.url.join(location))
        else:
            # Some platforms answer with 3DPassport's login page in place of the redirect:
            # its form posts to the same `{passport}/login`.
            action = _FORM_ACTION.search(response.content) if is_html(response) else None
            found = None
            if action is not None:
                found = _passport_of(response.url.join(html.unescape(action[1].decode())))
        if found is not None:
            return found
        _raise_unavailable(response, "3DSpace", "3DPassport discovery")
        if response.status_code == 404:
            # Nothing there at all: most often a base URL with a wrong path.
            raise _refused("no 3DSpace answers at ENOVIA_BASE_URL: check its path", response)
        raise _refused(
            "3DSpace did not send the gateway to 3DPassport's login: set TDX_PASSPORT_URL",
            response,
        )

    # batch-service -------------------------------------------------------------------------

    async def _batch_login(self, passport: str, login: BatchServiceLogin) -> None:
        response = await self._transient_login(passport, login)
        if response.status_code == 401:
            # The ticket was used or expired on the way: one new ticket.
            response = await self._transient_login(passport, login)
            if response.status_code == 401:
                raise _refused(
                    "3DPassport refused two batch tickets in a row (cas/transient)", response
                )
        location = response.headers.get("location")
        if response.status_code in _REDIRECTS and location:
            await self._follow(response.url.join(location), "cas/transient")
            return
        _raise_unavailable(response, "3DPassport", "cas/transient")
        if response.status_code != 200:
            raise _refused("3DPassport refused the batch ticket (cas/transient)", response)
        answer = parse_answer(TransientLoginAnswer, response.content, "cas/transient")
        if answer.result != "success" or not self._has_ticket_granting_cookie():
            raise _refused("3DPassport refused the batch ticket (cas/transient)", response)
        await self._service_login(passport)

    async def _transient_login(self, passport: str, login: BatchServiceLogin) -> httpx.Response:
        """A new batch ticket, traded for 3DPassport's ticket-granting cookie."""
        ticket = await self._batch_ticket(passport, login)
        return await self._wire.send(
            "GET",
            passport + CAS_TRANSIENT,
            CAS_TRANSIENT,
            host="3DPassport",
            login=True,
            params={"tgt": ticket, "service": self._service()},
        )

    async def _batch_ticket(self, passport: str, login: BatchServiceLogin) -> str:
        response = await self._wire.send(
            "GET",
            passport + BATCH_TICKET,
            BATCH_TICKET,
            host="3DPassport",
            login=True,
            params={"identifier": login.user, "service": self._space_url},
            headers={
                "DS-Service-Name": login.service_name,
                "DS-Service-Secret": login.secret.get(),
            },
        )
        _raise_unavailable(response, "3DPassport", "batch/ticket")
        if response.status_code != 200:
            code = _error_code(response)
            raise _refused(
                "3DPassport refused the batch service's ticket request"
                + (f" ({code})" if code else ""),
                response,
            )
        answer = parse_answer(BatchTicketAnswer, response.content, "batch/ticket")
        if answer.token_type != TRANSIENT_TICKET or not answer.access_token:
            raise UpstreamAuthFailed(
                "3DPassport answered the batch service's ticket request without a transient ticket"
            )
        return answer.access_token

    # cas-password --------------------------------------------------------------------------

    async def _password_login(self, passport: str, login: PasswordLogin) -> None:
        response = await self._wire.send(
            "GET",
            passport + PASSPORT_LOGIN,
            PASSPORT_LOGIN,
            host="3DPassport",
            login=True,
            params={"action": "get_auth_params"},
        )
        _raise_unavailable(response, "3DPassport", "get_auth_params")
        if response.status_code != 200:
            raise _refused("3DPassport refused the login (get_auth_params)", response)
        params = parse_answer(AuthParamsAnswer, response.content, "get_auth_params")
        if params.response != "login" or not params.lt:
            raise _refused("3DPassport offered no login (get_auth_params)", response)
        response = await self._wire.send(
            "POST",
            passport + PASSPORT_LOGIN,
            PASSPORT_LOGIN,
            host="3DPassport",
            login=True,
            params={"service": self._service()},
            form={
                "lt": params.lt,
                "username": login.username,
                "password": login.password.get(),
                "rememberMe": "no",
            },
        )
        _raise_unavailable(response, "3DPassport", "login")
        location = response.headers.get("location")
        if response.status_code in _REDIRECTS and location and self._has_ticket_granting_cookie():
            await self._follow(response.url.join(location), "login")
            return
        raise _refused("3DPassport refused the gateway's username or password (login)", response)

    # The 3DSpace session -------------------------------------------------------------------

    def _service(self) -> str:
        """The 3DSpace URL a service ticket is asked for, where the login chain ends: a cheap
        3DSpace call that answers JSON (its root may have nothing to show)."""
        service = self._space_url + PERSON + "?current=true"
        if self._tenant is not None:
            # The service is a 3DSpace call like any other: it carries the tenant.
            service += "&" + str(httpx.QueryParams({"tenant": self._tenant}))
        return service

    async def _service_login(self, passport: str) -> None:
        """With 3DPassport's ticket-granting cookie: a service ticket for 3DSpace, and the
        session 3DSpace opens when it validates it."""
        url = httpx.URL(passport + PASSPORT_LOGIN, params={"service": self._service()})
        await self._follow(url, "service login")

    async def _follow(self, url: httpx.URL, step: str) -> None:
        """Follow the redirects from `url` (at most `MAX_REDIRECTS`); the chain must end on
        a 3DSpace answer that is not a refusal, or the login failed at `step`."""
        for _ in range(MAX_REDIRECTS + 1):
            endpoint, host = self._template(url)
            response = await self._wire.send("GET", url, endpoint, host=host)
            location = response.headers.get("location")
            if response.status_code in _REDIRECTS and location:
                url = response.url.join(location)
                continue
            _raise_unavailable(response, host, step)
            # Any 3DSpace answer but a session refusal ends the chain well: the session is
            # open even where 3DSpace has nothing to show at the service URL (its root: a
            # 404), and a refusal of another kind (a tenant, a context) is the calls' to tell.
            if self._on_space(response.url) and not is_session_refusal(response):
                return
            raise _refused(f"the login did not reach 3DSpace ({step})", response)
        raise UpstreamAuthFailed(f"the login was redirected too many times ({step})")

    def _has_ticket_granting_cookie(self) -> bool:
        # Newer releases suffix the name (`CASTGC_<suffix>`).
        return any(cookie.name.startswith("CASTGC") for cookie in self._wire.http.cookies.jar)

    def _on_space(self, url: httpx.URL) -> bool:
        return _within(url, self._space_url)

    def _template(self, url: httpx.URL) -> tuple[str, str]:
        """(endpoint template, host) of a URL met on the way: its path below the root of the
        host it is on; never its query, which carries the tickets."""
        bare = str(url.copy_with(query=None, fragment=None))
        if _within(url, self._space_url):
            return bare[len(self._space_url) :] or "/", "3DSpace"
        if self._passport_url is not None and _within(url, self._passport_url):
            return bare[len(self._passport_url) :] or "/", "3DPassport"
        return "(elsewhere)", "the login's redirect target"


def _passport_of(login_url: httpx.URL) -> str | None:
    """`{passport}` of a URL `{passport}/login...`; None for any other URL."""
    cut = login_url.path.find(PASSPORT_LOGIN)
    if cut < 0:
        return None
    return _root(login_url.copy_with(path=login_url.path[:cut] or "/"))


def _root(url: httpx.URL | str) -> str:
    """A root URL as the client joins paths to it: no query, no trailing slash."""
    return str(httpx.URL(url).copy_with(query=None, fragment=None)).rstrip("/")


def _within(url: httpx.URL, root: str) -> bool:
    bare = str(url.copy_with(query=None, fragment=None))
    return bare == root or bare.startswith(root + "/")


def _refused(message: str, response: httpx.Response) -> UpstreamAuthFailed:
    """The platform refused a login step: the error names the URL that answered (never its
    query, which may carry a ticket) and the HTTP status, for the operator."""
    url, status = shown_url(response.url), response.status_code
    return UpstreamAuthFailed(f"{message}: {url} answered HTTP {status}", url=url, status=status)


def _raise_unavailable(response: httpx.Response, host: str, step: str) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise UpstreamUnavailable(f"{host} answered {status} ({step})")


def _error_code(response: httpx.Response) -> str | None:
    """An OAuth-style `error` code of a refusal (`invalid_service`): safe to repeat, unlike
    a description, which may hold anything."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else None
