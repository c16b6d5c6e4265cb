"""Everything a running platform simulator holds, in one object the app factory creates."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from enovia.simulators.common.state import SimulatorCore
from enovia.simulators.platform.config import PlatformSimulatorConfig
from enovia.simulators.platform.faults import PlatformFaults
from enovia.simulators.platform.stats import PlatformStats
from enovia.simulators.platform.store import PlatformStore
from enovia.simulators.platform.tickets import SessionBook, TicketBook

# The faults that spoil the next N calls of a kind, counted down as they do.
_Countdown = Literal["csrf_reject_next", "session_drop_next", "transient_reject_next"]


@dataclass(frozen=True, slots=True)
class ServiceGrant:
    """What a service ticket stands for: *username* may open a session at *service*."""

    username: str
    service: str


def new_csrf_token() -> str:
    """A fresh CSRF token value."""
    return secrets.token_urlsafe(24)


class PlatformState(SimulatorCore[PlatformFaults, PlatformStats]):
    """The live state of one platform simulator: objects, tickets, sessions, stats, faults.

    Reachable in-process as `app.state.simulator`; tests should prefer the admin HTTP API.
    Not thread-safe: read or change it only from the event loop serving the app.
    """

    def __init__(
        self,
        config: PlatformSimulatorConfig,
        *,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime],
    ) -> None:
        super().__init__(PlatformStats(), PlatformFaults.initial(config), config.seed)
        self.config = config
        self.clock = clock
        self.store = PlatformStore(clock, wall_clock)
        # A login ticket only needs to exist: its payload is just True.
        self.login_tickets: TicketBook[bool] = TicketBook("LT-", clock)
        # Batch (transient) tickets stand for the user they impersonate.
        self.batch_tickets: TicketBook[str] = TicketBook("TT-", clock)
        self.service_tickets: TicketBook[ServiceGrant] = TicketBook("ST-", clock)
        idle, absolute = config.session_idle_timeout, config.session_absolute_timeout
        # 3DPassport's ticket-granting tickets (the CASTGC cookie) and 3DSpace's sessions.
        self.passport_sessions = SessionBook("TGT-", clock, idle=idle, absolute=absolute)
        self.sessions = SessionBook("", clock, idle=idle, absolute=absolute)
        # An agent has no session: its CSRF token lives until the sessions are ended.
        self.agent_csrf: str | None = None
        self.batch_secret = config.batch_service_secret

    def reset(self) -> None:
        """Back to the start: stats, faults, documents, the batch secret and the random
        sequence. Sessions and tickets stay good (a client keeps working across a reset).
        Held calls are released."""
        super().reset()
        self.store.reset()
        self.batch_secret = self.config.batch_service_secret

    def end_sessions(self, *, passport: bool) -> tuple[int, int]:
        """End every 3DSpace session now (and the agent's CSRF token); with *passport*,
        every CASTGC too. Returns (sessions ended, CASTGCs ended)."""
        self.agent_csrf = None
        ended = self.sessions.end_all()
        return ended, self.passport_sessions.end_all() if passport else 0

    def html_error_status(self, template: str, names: Iterable[str]) -> int | None:
        """The status of the HTML error page replacing this answer, or None (html_error)."""
        html_error = self._faults.html_error
        if html_error is None:
            return None
        if template in html_error.endpoints or not html_error.names.isdisjoint(names):
            return html_error.status
        return html_error.status if self._draw(html_error.rate) else None

    def take_csrf_rejection(self) -> bool:
        """Whether this POST's CSRF token is to be refused as stale (csrf_reject_next)."""
        return self._take("csrf_reject_next")

    def take_session_drop(self) -> bool:
        """Whether the session being opened is to end after its first call
        (session_drop_next)."""
        return self._take("session_drop_next")

    def take_transient_rejection(self) -> bool:
        """Whether this transient login's good ticket is to be refused as used or expired
        (transient_reject_next)."""
        return self._take("transient_reject_next")

    def _take(self, fault: _Countdown) -> bool:
        """Whether one of the next N calls *fault* (a count) spoils is left; counts it down."""
        remaining: int = getattr(self._faults, fault)
        if remaining <= 0:
            return False
        self._faults = self._faults.updated({fault: remaining - 1})
        return True
