"""What 3DPassport and 3DSpace hand out: single-use tickets, and sessions that lapse.

Both are opaque random strings with a prefix that says what they are (`LT-`, `ST-`, ...).
`clock` is monotonic seconds (a fake one in tests, so nothing sleeps). Not thread-safe:
use them from the server's event loop.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

# Below this many live entries, expired ones are not worth sweeping out.
_SWEEP_FLOOR: Final = 1024

T = TypeVar("T")


def _new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(24)}"


class TicketBook(Generic[T]):
    """Single-use tickets, each holding a payload and living `ttl` seconds.

    A ticket is good once: `redeem` hands back its payload and forgets it, whether or not it
    had expired (a late ticket is as used up as a spent one). The payload must not be None,
    which `redeem` answers for a refused ticket.
    """

    def __init__(self, prefix: str, clock: Callable[[], float]) -> None:
        self._prefix = prefix
        self._clock = clock
        self._tickets: dict[str, tuple[float, T]] = {}
        self._sweep_at = _SWEEP_FLOOR

    def issue(self, payload: T, ttl: float) -> str:
        """A new ticket for *payload*, good for *ttl* seconds from now."""
        if len(self._tickets) >= self._sweep_at:
            self._sweep()
        ticket = _new_id(self._prefix)
        self._tickets[ticket] = (self._clock() + ttl, payload)
        return ticket

    def redeem(self, ticket: str) -> T | None:
        """The payload of *ticket* when it was issued, is unused and has not expired; None
        otherwise. Either way the ticket is spent."""
        entry = self._tickets.pop(ticket, None)
        if entry is None:
            return None
        expires_at, payload = entry
        return payload if self._clock() < expires_at else None

    def __len__(self) -> int:
        return len(self._tickets)

    def _sweep(self) -> None:
        # A benchmark logging in again and again must not grow this without bound.
        now = self._clock()
        self._tickets = {t: entry for t, entry in self._tickets.items() if entry[0] > now}
        self._sweep_at = max(_SWEEP_FLOOR, 2 * len(self._tickets))


@dataclass(slots=True)
class Session:
    """A logged-in session of *username*; `csrf` is its CSRF token once asked for;
    `calls_left`, when set, the calls it still serves before it ends (None: until it
    lapses)."""

    username: str
    started_at: float
    last_seen: float
    csrf: str | None = None
    calls_left: int | None = None


class SessionBook:
    """Sessions (3DSpace's JSESSIONID, 3DPassport's CASTGC) that end after `idle` seconds
    without use or `absolute` seconds after they started, whichever comes first."""

    def __init__(
        self, prefix: str, clock: Callable[[], float], *, idle: float, absolute: float
    ) -> None:
        self._prefix = prefix
        self._clock = clock
        self._idle = idle
        self._absolute = absolute
        self._sessions: dict[str, Session] = {}
        self._sweep_at = _SWEEP_FLOOR

    def start(self, username: str) -> tuple[str, Session]:
        """A new session for *username*: (its id, the session)."""
        if len(self._sessions) >= self._sweep_at:
            self._sweep()
        now = self._clock()
        session_id = _new_id(self._prefix)
        session = self._sessions[session_id] = Session(username, now, now)
        return session_id, session

    def use(self, session_id: str) -> Session | None:
        """The live session *session_id*, now marked as used; None when unknown or lapsed.
        A session with `calls_left` ends once this use spends its last call."""
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = self._clock()
        if not self._alive(session, now):
            del self._sessions[session_id]
            return None
        session.last_seen = now
        if session.calls_left is not None:
            session.calls_left -= 1
            if session.calls_left <= 0:
                del self._sessions[session_id]
        return session

    def end_all(self) -> int:
        """End every session now; returns how many there were (lapsed ones not yet swept
        included)."""
        count = len(self._sessions)
        self._sessions.clear()
        return count

    def live_count(self) -> int:
        """How many sessions are live now."""
        now = self._clock()
        return sum(1 for session in self._sessions.values() if self._alive(session, now))

    def _alive(self, session: Session, now: float) -> bool:
        return now - session.last_seen < self._idle and now - session.started_at < self._absolute

    def _sweep(self) -> None:
        now = self._clock()
        self._sessions = {k: s for k, s in self._sessions.items() if self._alive(s, now)}
        self._sweep_at = max(_SWEEP_FLOOR, 2 * len(self._sessions))
