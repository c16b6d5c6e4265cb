"""Call counters: what a test or benchmark asks the platform simulator after the fact."""

from __future__ import annotations

from collections import Counter
from typing import Final

AUTH_PARAMS: Final = "GET /3dpassport/login?action=get_auth_params"
LOGIN_PAGE: Final = "GET /3dpassport/login"
LOGIN_FORM: Final = "POST /3dpassport/login"
BATCH_TICKET: Final = "GET /3dpassport/api/v2/batch/ticket"
TRANSIENT_LOGIN: Final = "GET /3dpassport/api/login/cas/transient"
PERSON: Final = "GET /3dspace/resources/modeler/pno/person"
CSRF: Final = "GET /3dspace/resources/v1/application/CSRF"
DOCUMENT: Final = "GET /3dspace/resources/v1/modeler/documents/{id}"
SEARCH: Final = "GET /3dspace/resources/v1/modeler/documents/search"
DOCUMENTS_BY_IDS: Final = "POST /3dspace/resources/v1/modeler/documents/ids"
GRAPH: Final = "POST /3dspace/resources/v1/modeler/dslc/version/getGraph"
# Calls under /3dpassport or /3dspace that match no endpoint (wrong method, path...).
UNMATCHED: Final = "unmatched"

PASSPORT_TEMPLATES: Final = (AUTH_PARAMS, LOGIN_PAGE, LOGIN_FORM, BATCH_TICKET, TRANSIENT_LOGIN)
SPACE_TEMPLATES: Final = (PERSON, CSRF, DOCUMENT, SEARCH, DOCUMENTS_BY_IDS, GRAPH)
TEMPLATES: Final = (*PASSPORT_TEMPLATES, *SPACE_TEMPLATES, UNMATCHED)


class PlatformStats:
    """Counts 3DPassport and 3DSpace calls; `snapshot()` is the body of `GET /_sim/stats`.

    A call is counted when it arrives (`begin`) and its status when it is answered (`end`);
    a call whose client went away before the answer has no status. The events (`login`,
    `session_lost`, ...) are counted as they happen. Not thread-safe.
    """

    def __init__(self) -> None:
        self._calls: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._events: Counter[str] = Counter()
        self._in_flight = 0
        self._peak = 0

    def begin(self, template: str, path: str) -> None:
        """A call to *template* at the canonical *path* arrived."""
        self._calls[template] += 1
        self._by_path[path] += 1
        self._in_flight += 1
        self._peak = max(self._peak, self._in_flight)

    def end(self, status: int | None) -> None:
        """A call finished: answered with *status*, or None when no answer was sent."""
        self._in_flight -= 1
        if status is not None:
            self._statuses[status] += 1

    def login(self) -> None:
        """A 3DSpace session was created (a service ticket was redeemed)."""
        self._events["logins"] += 1

    def passport_login(self) -> None:
        """3DPassport issued a CASTGC (form login or transient login)."""
        self._events["passport_logins"] += 1

    def session_lost(self) -> None:
        """3DSpace refused a call for want of a valid session."""
        self._events["session_losses"] += 1

    def ticket_refused(self) -> None:
        """A used, expired, unknown or misbound ticket was presented."""
        self._events["tickets_refused"] += 1

    def csrf_refused(self) -> None:
        """A POST was refused for its CSRF token."""
        self._events["csrf_refusals"] += 1

    @property
    def in_flight(self) -> int:
        """Calls begun and not yet finished."""
        return self._in_flight

    def reset(self) -> None:
        """Zero every counter; calls still in flight stay counted as in flight."""
        self._calls.clear()
        self._by_path.clear()
        self._statuses.clear()
        self._events.clear()
        # In-flight calls will still call end(): keep them so the gauge never goes negative.
        self._peak = self._in_flight

    def snapshot(self) -> dict[str, object]:
        """The counters as JSON-ready data, the facade's shape plus the platform's events.

        `calls`: every template in TEMPLATES, zero included; `calls_by_path`: canonical paths
        called (no query); `statuses`: answers by status (as a string); `token_requests`:
        batch tickets asked for; `unauthorized`: 401 answers; `total`: every call;
        `logins`: 3DSpace sessions created; `passport_logins`: CASTGCs issued;
        `session_losses`, `tickets_refused`, `csrf_refusals`: as the names say.
        """
        return {
            "calls": {template: self._calls[template] for template in TEMPLATES},
            "calls_by_path": dict(self._by_path),
            "statuses": {str(status): n for status, n in sorted(self._statuses.items())},
            "token_requests": self._calls[BATCH_TICKET],
            "unauthorized": self._statuses[401],
            "in_flight": self._in_flight,
            "peak_concurrency": self._peak,
            "total": sum(self._calls.values()),
            "logins": self._events["logins"],
            "passport_logins": self._events["passport_logins"],
            "session_losses": self._events["session_losses"],
            "tickets_refused": self._events["tickets_refused"],
            "csrf_refusals": self._events["csrf_refusals"],
        }
