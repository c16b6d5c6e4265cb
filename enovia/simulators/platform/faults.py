"""Faults: the ways the simulated platform can misbehave, settable while it runs.

The faults every simulator has (latency, errors, rate limit, hang, down, malformed answers)
are `SharedFaults`, validated by the shared parsers; the others are the platform's: how a
lost session shows, how far search lags, stale CSRF tokens, the getGraph limit, 3DPassport
down, and HTML error pages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal, TypeGuard, get_args

from enovia.simulators.common.faults import (
    SHARED_PARSERS,
    FaultError,
    Parser,
    SharedFaults,
    flag,
    fraction,
    is_int,
    number_parser,
)
from enovia.simulators.platform.request import is_absolute_http
from enovia.simulators.platform.stats import TEMPLATES

SessionLossShape = Literal["redirect", "login_page", "json_401", "json_403"]
SESSION_LOSS_SHAPES: Final[tuple[str, ...]] = get_args(SessionLossShape)

DEFAULT_GRAPH_MAX_OBJECTS: Final = 50
#: The only token_type a batch service's ticket should have.
TRANSIENT_TOKEN_TYPE: Final = "CAS_TRANSIENT"


@dataclass(frozen=True, slots=True)
class HtmlErrors:
    """Which 3DSpace answers come back as the platform's HTML error page, with `status`.

    An answer about a document named in `names`, or from an endpoint template in
    `endpoints`, always does; any other one does with probability `rate`.
    """

    names: frozenset[str] = frozenset()
    endpoints: frozenset[str] = frozenset()
    rate: float = 0
    status: int = 500

    def as_json(self) -> dict[str, object]:
        """The fault as `GET /_sim/faults` shows it."""
        return {
            "names": sorted(self.names),
            "endpoints": sorted(self.endpoints),
            "rate": self.rate,
            "status": self.status,
        }


_seconds: Final = number_parser(lambda n: math.isfinite(n) and n >= 0, "of seconds >= 0")


def _count(key: str, value: object) -> int:
    if not is_int(value) or value < 0:
        raise FaultError(f"{key} must be an integer >= 0")
    return value


def _limit(key: str, value: object) -> int:
    if not is_int(value) or value < 1:
        raise FaultError(f"{key} must be an integer >= 1")
    return value


def _is_shape(value: object) -> TypeGuard[SessionLossShape]:
    return isinstance(value, str) and value in SESSION_LOSS_SHAPES


def _session_loss_shape(key: str, value: object) -> SessionLossShape:
    if not _is_shape(value):
        raise FaultError(f"{key} must be one of {', '.join(SESSION_LOSS_SHAPES)}")
    return value


def _strings(key: str, value: object) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FaultError(f"{key} must be a list of strings")
    return frozenset(value)


def _html_error(key: str, value: object) -> HtmlErrors | None:
    if value is None:
        return None
    known = ("names", "endpoints", "rate", "status")
    if not isinstance(value, dict):
        raise FaultError(f"{key} must be null or an object with any of {', '.join(known)}")
    for name in value:
        if name not in known:
            raise FaultError(f"{key}: unknown key {name!r}; known: {', '.join(known)}")
    names = _strings(f"{key}.names", value.get("names", []))
    endpoints = _strings(f"{key}.endpoints", value.get("endpoints", []))
    for endpoint in endpoints:
        if endpoint not in TEMPLATES:
            raise FaultError(f"{key}.endpoints: {endpoint!r} is not an endpoint template")
    rate = fraction(f"{key}.rate", value.get("rate", 0))
    status = value.get("status", 500)
    if not is_int(status) or not (status == 200 or 400 <= status <= 599):
        raise FaultError(f"{key}.status must be 200 or an HTTP error status (400-599)")
    return HtmlErrors(names, endpoints, rate, status)


def _token_type(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FaultError(f"{key} must be a non-empty string")
    return value


def _location(key: str, value: object) -> str | None:
    if value is None:
        return None
    path = isinstance(value, str) and value.startswith("/") and not value.startswith("//")
    if not isinstance(value, str) or not (path or is_absolute_http(value)):
        raise FaultError(f"{key} must be null, a path starting with / or an http(s) URL")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise FaultError(f"{key} must not hold control characters")
    return value


@dataclass(frozen=True, slots=True)
class PlatformFaults(SharedFaults):
    """The current faults; immutable, replaced as a whole by `updated`.

    latency_ms, jitter_ms: every 3DPassport and 3DSpace answer waits latency_ms plus a
      uniform 0..jitter_ms first.
    wire_delay_ms: every 3DSpace answer is computed at once, then held that long before it
      is sent (a change made meanwhile is not in it).
    error_rate, error_status: that fraction of 3DSpace resource answers (past the session
      check) is `{"success": false, "statusCode": error_status, ...}`.
    rate_limit: every Nth 3DSpace resource call answers 429 with Retry-After (None: off).
    hang: 3DSpace calls wait until the fault is cleared (or an hour, or the client leaves).
    down: every 3DPassport and 3DSpace call answers 503; passport_down: 3DPassport's only.
    malformed: document name → kind of broken 200 answer (the shared kinds; `html` is the
      platform's HTML error page) for any documents, search, ids or getGraph answer about it.
    html_error: see HtmlErrors (None: off).
    session_loss_shape: how 3DSpace answers a call without a valid session: `redirect` (302
      to 3DPassport's login), `login_page` (the login page, 200), `json_401`, `json_403`.
    search_lag_seconds: search sees the documents as they were that many seconds ago.
    csrf_reject_next: the next N POSTs refuse their (otherwise good) CSRF token as stale,
      and their session gets a new one.
    graph_max_objects: the most objects one getGraph call may ask about.
    session_drop_next: the next N 3DSpace sessions opened end right after their first call
      (the login's last hop, at the service URL their ticket was redeemed for), as when the
      node that opened them drops them: the call after the login finds no session.
    transient_reject_next: the next N transient logins (api/login/cas/transient) refuse
      their (otherwise good) batch ticket as used or expired (401); the ticket is spent.
    batch_token_type: the `token_type` batch/ticket answers with (another than
      CAS_TRANSIENT: a batch service set up for another kind of token).
    login_redirect: None, or where 3DPassport's login page (GET /3dpassport/login, not
      get_auth_params) sends every caller instead of answering (302): a path on the
      simulator (`/3ddashboard/`: a login that never gets back to 3DSpace) or an absolute
      http(s) URL; `/3dpassport/login...` makes a redirect loop.
    graph_omit: document names; getGraph leaves every asked object carrying one of them out
      of its results (no result at all, not even an error).
    agent_auth_off: 3DSpace ignores HTTP Basic (agent authentication not enabled there): an
      agent's call is one without a session, answered as `session_loss_shape` says.

    An update replaces `html_error` and `graph_omit` as a whole too; `null` clears
    `html_error` and `login_redirect`.
    """

    _PARSERS: ClassVar[Mapping[str, Parser]] = {
        **SHARED_PARSERS,
        "html_error": _html_error,
        "passport_down": flag,
        "session_loss_shape": _session_loss_shape,
        "search_lag_seconds": _seconds,
        "csrf_reject_next": _count,
        "graph_max_objects": _limit,
        "session_drop_next": _count,
        "transient_reject_next": _count,
        "batch_token_type": _token_type,
        "login_redirect": _location,
        "graph_omit": _strings,
        "agent_auth_off": flag,
    }

    html_error: HtmlErrors | None = None
    passport_down: bool = False
    session_loss_shape: SessionLossShape = "redirect"
    search_lag_seconds: float = 0
    csrf_reject_next: int = 0
    graph_max_objects: int = DEFAULT_GRAPH_MAX_OBJECTS
    session_drop_next: int = 0
    transient_reject_next: int = 0
    batch_token_type: str = TRANSIENT_TOKEN_TYPE
    login_redirect: str | None = None
    graph_omit: frozenset[str] = frozenset()
    agent_auth_off: bool = False

    def _own_json(self) -> dict[str, object]:
        html_error = self.html_error
        return {
            "html_error": None if html_error is None else html_error.as_json(),
            "passport_down": self.passport_down,
            "session_loss_shape": self.session_loss_shape,
            "search_lag_seconds": self.search_lag_seconds,
            "csrf_reject_next": self.csrf_reject_next,
            "graph_max_objects": self.graph_max_objects,
            "session_drop_next": self.session_drop_next,
            "transient_reject_next": self.transient_reject_next,
            "batch_token_type": self.batch_token_type,
            "login_redirect": self.login_redirect,
            "graph_omit": sorted(self.graph_omit),
            "agent_auth_off": self.agent_auth_off,
        }
