"""Call counters: what a test or benchmark asks the platform simulator after the fact."""

from __future__ import annotations

from collections import Counter
from typing import Final

from enovia.simulators.common.stats import CallStats

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


class PlatformStats(CallStats):
    """Counts 3DPassport and 3DSpace calls (see `CallStats`), and the platform's events
    (`login`, `session_lost`, ...) as they happen. Not thread-safe.
    """

    def __init__(self) -> None:
        super().__init__(TEMPLATES, BATCH_TICKET)
        self._events: Counter[str] = Counter()

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

    def reset(self) -> None:
        """Zero every counter; calls still in flight stay counted as in flight."""
        super().reset()
        self._events.clear()

    def snapshot(self) -> dict[str, object]:
        """The counters as JSON-ready data: `CallStats.snapshot` (`calls` by TEMPLATES,
        `token_requests`: batch tickets asked for) plus the platform's events:
        `logins`: 3DSpace sessions created; `passport_logins`: CASTGCs issued;
        `session_losses`, `tickets_refused`, `csrf_refusals`: as the names say.
        """
        return {
            **super().snapshot(),
            "logins": self._events["logins"],
            "passport_logins": self._events["passport_logins"],
            "session_losses": self._events["session_losses"],
            "tickets_refused": self._events["tickets_refused"],
            "csrf_refusals": self._events["csrf_refusals"],
        }
