"""Calls to 3DSpace's web services within the gateway's session: the headers every call
carries, the CSRF token of the POSTs, and what is done when the session ends or the token
is refused (section 2 of docs/3dexperience-protocol.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from enovia._calls import through_circuit
from enovia._circuit import CircuitBreaker
from enovia._errors import UpstreamAuthFailed
from enovia._models import parse_answer
from enovia._retry import RetryPolicy
from enovia.platform._answers import CsrfAnswer, CsrfToken, PersonAnswer
from enovia.platform._login import AgentLogin, basic_credentials
from enovia.platform._requests import CONTEXT_PREFIX, CSRF, PERSON
from enovia.platform._responses import CsrfRefused, SessionLost, checked_content
from enovia.platform._session import SecurityContextUnavailable, Session, SessionKeeper
from enovia.platform._wire import Wire


@dataclass(frozen=True, slots=True)
class SpaceCall:
    """One call: `path` below 3DSpace's root, logged and counted as `endpoint` (a template),
    named `what` in error messages."""

    method: Literal["GET", "POST"]
    endpoint: str
    path: str
    what: str
    params: Mapping[str, str] = field(default_factory=dict)
    json: object = None


CSRF_CALL = SpaceCall("GET", CSRF, CSRF, "application/CSRF")
PERSON_CALL = SpaceCall("GET", PERSON, PERSON, "pno/person", {"current": "true"})
PREFERRED_CALL = SpaceCall(
    "GET",
    PERSON,
    PERSON,
    "pno/person",
    {"current": "true", "select": "preferredcredentials"},
)


class Space:
    """Sends `SpaceCall`s as the gateway: its session's cookies (or, for an agent, HTTP
    Basic), `SecurityContext` on every /resources/v1 call, `tenant=` when set, a CSRF token
    on POSTs.

    The session ending (however it shows: `SessionLost`) costs one new login, shared with
    every caller that saw the same session end, and one retry; a second loss, or any loss
    for an agent (nothing to log in again to), is `UpstreamAuthFailed`. A refused CSRF token
    costs one new token and one retry, then `UpstreamAuthFailed`. Every attempt passes the
    circuit breaker and `retry` retries what is worth it: every call here only reads.
    """

    def __init__(
        self,
        wire: Wire,
        sessions: SessionKeeper,
        *,
        space_url: str,
        agent: AgentLogin | None,
        tenant: str | None,
        retry: RetryPolicy,
        circuit: Callable[[], CircuitBreaker | None],
    ) -> None:
        self._wire = wire
        self._sessions = sessions
        self._space_url = space_url
        self._agent = agent
        self._tenant = tenant
        self._retry = retry
        self._circuit = circuit

    async def fetch(self, call: SpaceCall, *, resilient: bool = True) -> bytes:
        """The body of 3DSpace's answer to `call`, or the `EnoviaError` it means. Without
        `resilient` (a health check) the call is neither retried nor passes the circuit;
        a session that ended is still logged into again."""
        relogged = refetched = False
        while True:
            try:
                session = await self._sessions.current()
            except SecurityContextUnavailable as exc:
                raise UpstreamAuthFailed(str(exc)) from None
            try:
                if resilient:
                    return await self._retry.call(self._guarded, call, session)
                return await self._once(call, session)
            except SessionLost:
                if self._agent is not None:
                    if relogged or not self._agent.secret.reload():
                        raise UpstreamAuthFailed(
                            f"3DSpace refused the agent's credentials ({call.what})"
                        ) from None
                    relogged = True  # a rotated secret: one more try with it
                    continue
                if relogged:
                    raise UpstreamAuthFailed(
                        f"3DSpace ended the gateway's session again after a new login ({call.what})"
                    ) from None
                relogged = True
                try:
                    await self._sessions.renew(session.generation)
                except SecurityContextUnavailable as exc:
                    raise UpstreamAuthFailed(str(exc)) from None
            except CsrfRefused:
                if refetched:
                    raise UpstreamAuthFailed(
                        f"3DSpace refused a fresh CSRF token too ({call.what})"
                    ) from None
                refetched = True

    async def security_context(self) -> str:
        """The person's preferred credentials as `role.organization.collabspace`, asked in
        the session just opened (no retry of its own: the login's covers it). Raises
        `SecurityContextUnavailable` when the platform names none."""
        try:
            content = await self._raw(PREFERRED_CALL, None)
        except (SessionLost, CsrfRefused):
            if self._agent is not None:
                raise UpstreamAuthFailed(
                    "3DSpace refused the agent's credentials (pno/person)"
                ) from None
            raise UpstreamAuthFailed(
                "3DSpace did not keep the session the login just opened (pno/person)"
            ) from None
        context = parse_answer(PersonAnswer, content, "pno/person").security_context()
        if context is None:
            raise SecurityContextUnavailable
        return context

    async def _guarded(self, call: SpaceCall, session: Session) -> bytes:
        return await through_circuit(self._circuit(), lambda: self._once(call, session))

    async def _once(self, call: SpaceCall, session: Session) -> bytes:
        if call.method != "POST":
            return await self._raw(call, session)
        token = await session.csrf.get(lambda: self._csrf(session))
        try:
            return await self._raw(call, session, token)
        except CsrfRefused:
            session.csrf.refused(token)
            raise

    async def _csrf(self, session: Session) -> CsrfToken:
        content = await self._raw(CSRF_CALL, session)
        return parse_answer(CsrfAnswer, content, "application/CSRF").csrf

    async def _raw(
        self, call: SpaceCall, session: Session | None, csrf: CsrfToken | None = None
    ) -> bytes:
        headers: dict[str, str] = {}
        if self._agent is not None:
            headers["Authorization"] = basic_credentials(self._agent)
        if session is not None and call.path.startswith(CONTEXT_PREFIX):
            headers["SecurityContext"] = session.security_context
        if csrf is not None:
            headers[csrf.name] = csrf.value
        params = dict(call.params)
        if self._tenant is not None:
            params["tenant"] = self._tenant
        response = await self._wire.send(
            call.method,
            self._space_url + call.path,
            call.endpoint,
            host="3DSpace",
            params=params,
            headers=headers,
            json=call.json,
        )
        return checked_content(response, call.what, self._space_url)
