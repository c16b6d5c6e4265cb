"""The gateway's session with 3DSpace: opened on first need, shared by every call, renewed
once for all the callers that saw it end, and before it grows too old."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import structlog

from enovia.platform._csrf import CsrfHolder

logger = structlog.get_logger("gateway.enovia")

SessionState = Literal["none", "active", "expired"]


class SecurityContextUnavailable(Exception):
    """The platform names no preferred credentials (no SecurityContext) for the gateway's
    person, and none was configured: the gateway cannot call 3DSpace's web services."""

    def __init__(self) -> None:
        super().__init__(
            "3DSpace gives the gateway's person no preferred credentials to work in: set "
            "TDX_SECURITY_CONTEXT to role.organization.collabspace"
        )


@dataclass(eq=False, slots=True)
class Session:
    """One login's session: `generation` counts logins (1 for the first), `started_at` is
    on the keeper's clock, `security_context` goes with every /resources/v1 call."""

    generation: int
    started_at: float
    security_context: str
    csrf: CsrfHolder = field(default_factory=CsrfHolder)


#: Logs in and opens a 3DSpace session; returns the SecurityContext to work in.
OpenSession = Callable[[], Awaitable[str]]


class SessionKeeper:
    """Holds the current `Session` and opens the next one, one login at a time.

    Single flight, keyed by generation: callers that saw session N end all ask `renew(N)`;
    the first starts the login, the others wait for it, and a caller that asks after it
    landed gets session N+1 at once. A session older than `max_age` seconds is renewed
    before it is used (the platform does not say when it lapses). Without `renewable` (an
    agent: nothing to log in to) the one session, once open, never ages.

    Each login is reported as `token_refresh("success"|"failure")` to `on_login`.
    """

    def __init__(
        self,
        open_session: OpenSession,
        *,
        auth_mode: str,
        renewable: bool,
        max_age: float,
        clock: Callable[[], float],
        on_login: Callable[[str], None] | None = None,
    ) -> None:
        self._open_session = open_session
        self._auth_mode = auth_mode
        self._renewable = renewable
        self._max_age = max_age
        self._clock = clock
        self._on_login = on_login
        self._session: Session | None = None
        self._lost = 0
        self._opening: asyncio.Future[Session] | None = None

    @property
    def session(self) -> Session | None:
        return self._session

    def state(self) -> SessionState:
        session = self._session
        if session is None:
            return "none"
        return "expired" if self._stale(session) else "active"

    def age(self) -> float | None:
        session = self._session
        return None if session is None else self._clock() - session.started_at

    async def current(self) -> Session:
        """The session to call with: the one held while it is usable, else a new one."""
        session = self._session
        if session is not None and not self._stale(session):
            return session
        return await self.renew(0 if session is None else session.generation)

    async def renew(self, seen: int) -> Session:
        """A session newer than generation `seen` (which ended): the one a login opened
        since, the one being opened, or a new one."""
        self._lost = max(self._lost, seen)
        session = self._session
        if session is not None and session.generation > seen and not self._stale(session):
            return session
        if self._opening is None:
            generation = 1 if session is None else session.generation + 1
            opening = asyncio.ensure_future(self._open(generation))
            opening.add_done_callback(self._opened)
            self._opening = opening
        # Shielded: a caller that gives up does not cancel the login the others wait on.
        return await asyncio.shield(self._opening)

    async def _open(self, generation: int) -> Session:
        try:
            context = await self._open_session()
        except BaseException as exc:
            if self._renewable:
                self._report("failure", generation, type(exc).__name__)
            raise
        session = Session(generation, self._clock(), context)
        self._session = session
        if self._renewable:
            self._report("success", generation, None)
        return session

    def _opened(self, opening: asyncio.Future[Session]) -> None:
        if self._opening is opening:
            self._opening = None
        if not opening.cancelled():
            opening.exception()  # seen: every caller that waited had it raised

    def _stale(self, session: Session) -> bool:
        if not self._renewable:
            return False
        if session.generation <= self._lost:
            return True
        return self._clock() - session.started_at >= self._max_age

    def _report(self, outcome: str, generation: int, error: str | None) -> None:
        if self._on_login is not None:
            self._on_login(outcome)
        logger.info(
            "enovia.login",
            auth_mode=self._auth_mode,
            outcome=outcome,
            generation=generation,
            error=error,
        )
