"""Everything a running platform simulator holds, in one object the app factory creates."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from enovia.simulators.facade.hang import HangGate
from enovia.simulators.platform.config import PlatformSimulatorConfig
from enovia.simulators.platform.faults import PlatformFaults
from enovia.simulators.platform.stats import PlatformStats
from enovia.simulators.platform.store import PlatformStore
from enovia.simulators.platform.tickets import SessionBook, TicketBook


@dataclass(frozen=True, slots=True)
class ServiceGrant:
    """What a service ticket stands for: *username* may open a session at *service*."""

    username: str
    service: str


def new_csrf_token() -> str:
    """A fresh CSRF token value."""
    return secrets.token_urlsafe(24)


class PlatformState:
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
        self.config = config
        self.clock = clock
        self.stats = PlatformStats()
        self.store = PlatformStore(clock, wall_clock)
        self.hang = HangGate()
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
        self._rng = random.Random(config.seed)  # noqa: S311 - reproducible faults, by design
        self._faults = PlatformFaults.initial(config)
        self._rate_limit_count = 0

    @property
    def faults(self) -> PlatformFaults:
        """The current faults."""
        return self._faults

    def update_faults(self, update: object) -> PlatformFaults:
        """Merge a JSON fault update (see `PlatformFaults.updated`); returns the new faults.

        Raises FaultError, changing nothing, when the update is invalid. Turning `hang` off
        releases the held calls; setting `rate_limit` starts its count afresh.
        """
        faults = self._faults.updated(update)
        if isinstance(update, dict) and "rate_limit" in update:
            self._rate_limit_count = 0
        self._apply(faults)
        return self._faults

    def reset(self) -> None:
        """Back to the start: stats, faults, documents, the batch secret and the random
        sequence. Sessions and tickets stay good (a client keeps working across a reset).
        Held calls are released."""
        self.stats.reset()
        self.store.reset()
        self.batch_secret = self.config.batch_service_secret
        self._rng.seed(self.config.seed)
        self._rate_limit_count = 0
        self._apply(PlatformFaults.initial(self.config))

    def end_sessions(self, *, passport: bool) -> tuple[int, int]:
        """End every 3DSpace session now (and the agent's CSRF token); with *passport*,
        every CASTGC too. Returns (sessions ended, CASTGCs ended)."""
        self.agent_csrf = None
        ended = self.sessions.end_all()
        return ended, self.passport_sessions.end_all() if passport else 0

    def shutdown(self) -> None:
        """The server is stopping: let held calls finish."""
        self.hang.release()

    def delay(self) -> float:
        """Seconds the next answer waits: latency plus a uniform draw of jitter."""
        faults = self._faults
        seconds = faults.latency_ms / 1000
        if faults.jitter_ms > 0:
            seconds += self._rng.uniform(0, faults.jitter_ms) / 1000
        return seconds

    def draw_error(self) -> bool:
        """Whether this resource answer is replaced by the error status (error_rate)."""
        return self._draw(self._faults.error_rate)

    def draw_rate_limit(self) -> int | None:
        """Retry-After seconds when this resource call is the Nth one and is limited."""
        rate_limit = self._faults.rate_limit
        if rate_limit is None:
            return None
        self._rate_limit_count += 1
        if self._rate_limit_count % rate_limit.every:
            return None
        return rate_limit.retry_after

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
        remaining = self._faults.csrf_reject_next
        if remaining <= 0:
            return False
        self._faults = replace(self._faults, csrf_reject_next=remaining - 1)
        return True

    def take_session_drop(self) -> bool:
        """Whether the session being opened is to end after its first call
        (session_drop_next)."""
        remaining = self._faults.session_drop_next
        if remaining <= 0:
            return False
        self._faults = replace(self._faults, session_drop_next=remaining - 1)
        return True

    def take_transient_rejection(self) -> bool:
        """Whether this transient login's good ticket is to be refused as used or expired
        (transient_reject_next)."""
        remaining = self._faults.transient_reject_next
        if remaining <= 0:
            return False
        self._faults = replace(self._faults, transient_reject_next=remaining - 1)
        return True

    def _draw(self, rate: float) -> bool:
        # No draw at 0 or 1: those need no randomness and keep the sequence for jitter.
        if rate <= 0:
            return False
        return rate >= 1 or self._rng.random() < rate

    def _apply(self, faults: PlatformFaults) -> None:
        if faults.rate_limit != self._faults.rate_limit:
            self._rate_limit_count = 0
        if faults.hang:
            self.hang.engage()
        else:
            self.hang.release()
        self._faults = faults
