"""Call counters: what a test or benchmark asks the simulator after the fact."""

from __future__ import annotations

from collections import Counter
from typing import Final

TOKEN: Final = "POST /oauth2/token"
HEALTH: Final = "GET /api/v1/health"
DOCUMENT: Final = "GET /api/v1/documents/{doc_uid}"
REVISION: Final = "GET /api/v1/documents/{doc_uid}/revisions/{revision}"
LATEST: Final = "GET /api/v1/documents/{doc_uid}/revisions/latest"
# Calls under /api or /oauth2 that match no endpoint (wrong method, segment count...).
UNMATCHED: Final = "unmatched"

TEMPLATES: Final = (TOKEN, HEALTH, DOCUMENT, REVISION, LATEST, UNMATCHED)


class Stats:
    """Counts API and token calls; `snapshot()` is the body of `GET /_sim/stats`.

    A call is counted when it arrives (`begin`) and its status when it is answered (`end`);
    a call whose client went away before the answer has no status. Not thread-safe.
    """

    def __init__(self) -> None:
        self._calls: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._unauthorized = 0
        self._in_flight = 0
        self._peak = 0

    def begin(self, template: str, path: str) -> None:
        """A call to *template* at the canonical *path* arrived."""
        self._calls[template] += 1
        self._by_path[path] += 1
        self._in_flight += 1
        if self._in_flight > self._peak:
            self._peak = self._in_flight

    def end(self, status: int | None) -> None:
        """A call finished: answered with *status*, or None when no answer was sent."""
        self._in_flight -= 1
        if status is not None:
            self._statuses[status] += 1
            if status == 401:
                self._unauthorized += 1

    @property
    def in_flight(self) -> int:
        """Calls begun and not yet finished."""
        return self._in_flight

    def reset(self) -> None:
        """Zero every counter; calls still in flight stay counted as in flight."""
        self._calls.clear()
        self._by_path.clear()
        self._statuses.clear()
        self._unauthorized = 0
        # In-flight calls will still call end(): keep them so the gauge never goes negative.
        self._peak = self._in_flight

    def snapshot(self) -> dict[str, object]:
        """The counters as JSON-ready data, the body of `GET /_sim/stats`.

        `calls`: every template in TEMPLATES, zero included; `calls_by_path`: canonical
        paths (`paths.document_path` and friends) that were called; `statuses`: answers by
        status code (as a string); `token_requests` equals `calls["POST /oauth2/token"]`;
        `unauthorized` counts 401 answers (API and token endpoint); `total` is every call.
        """
        return {
            "calls": {template: self._calls[template] for template in TEMPLATES},
            "calls_by_path": dict(self._by_path),
            "statuses": {str(status): n for status, n in sorted(self._statuses.items())},
            "token_requests": self._calls[TOKEN],
            "unauthorized": self._unauthorized,
            "in_flight": self._in_flight,
            "peak_concurrency": self._peak,
            "total": sum(self._calls.values()),
        }
