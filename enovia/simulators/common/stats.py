"""Call counters, and the last calls as they came: what a test or benchmark asks a simulator
after the fact."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from typing import Final

#: Calls `CallStats.recent` keeps, the newest last.
RECENT_CALLS: Final = 100
#: Headers `CallStats.recent` never shows the value of.
CREDENTIAL_HEADERS: Final = frozenset({b"authorization", b"cookie"})


class CallStats:
    """Counts calls by endpoint template and by path, answers by status, and concurrency;
    keeps the last `RECENT_CALLS` calls with their headers.

    A call is counted when it arrives (`begin`) and its status when it is answered (`end`);
    a call whose client went away before the answer has no status. `snapshot()` is the body
    of `GET /_sim/stats`; a simulator counting more extends it; `recent()` is the body of
    `GET /_sim/requests`. Not thread-safe.
    """

    def __init__(self, templates: tuple[str, ...], token_template: str) -> None:
        self._templates = templates
        self._token_template = token_template
        self._calls: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._in_flight = 0
        self._peak = 0
        self._recent: deque[tuple[str, str, Iterable[tuple[bytes, bytes]]]] = deque(
            maxlen=RECENT_CALLS
        )

    def begin(self, template: str, path: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
        """A call to *template* at the canonical *path* arrived, with *headers* (the ASGI
        scope's: kept as they are, read only by `recent`)."""
        self._recent.append((template, path, headers))
        self._calls[template] += 1
        self._by_path[path] += 1
        self._in_flight += 1
        self._peak = max(self._peak, self._in_flight)

    def end(self, status: int | None) -> None:
        """A call finished: answered with *status*, or None when no answer was sent."""
        self._in_flight -= 1
        if status is not None:
            self._statuses[status] += 1

    @property
    def in_flight(self) -> int:
        """Calls begun and not yet finished."""
        return self._in_flight

    def reset(self) -> None:
        """Zero every counter; calls still in flight stay counted as in flight."""
        self._calls.clear()
        self._by_path.clear()
        self._statuses.clear()
        self._recent.clear()
        # In-flight calls will still call end(): keep them so the gauge never goes negative.
        self._peak = self._in_flight

    def recent(self) -> dict[str, object]:
        """The last calls, the body of `GET /_sim/requests`: `requests`, oldest first, each
        `{"call": template, "path": canonical path, "headers": {name: value}}` (names in
        lower case, repeated ones joined with ", ", credentials shown as `***`)."""
        requests: list[dict[str, object]] = []
        for template, path, headers in self._recent:
            shown: dict[str, str] = {}
            for name, value in headers:
                text = "***" if name in CREDENTIAL_HEADERS else value.decode("latin-1")
                key = name.decode("latin-1")
                shown[key] = f"{shown[key]}, {text}" if key in shown else text
            requests.append({"call": template, "path": path, "headers": shown})
        return {"requests": requests}

    def snapshot(self) -> dict[str, object]:
        """The counters as JSON-ready data, the body of `GET /_sim/stats`.

        `calls`: every template the simulator has, zero included; `calls_by_path`: the
        canonical paths called (no query); `statuses`: answers by status code (as a string);
        `token_requests`: calls to the template that hands out tokens; `unauthorized`: 401
        answers; `in_flight`, `peak_concurrency`: calls at once, now and at the most;
        `total`: every call.
        """
        return {
            "calls": {template: self._calls[template] for template in self._templates},
            "calls_by_path": dict(self._by_path),
            "statuses": {str(status): n for status, n in sorted(self._statuses.items())},
            "token_requests": self._calls[self._token_template],
            "unauthorized": self._statuses[401],
            "in_flight": self._in_flight,
            "peak_concurrency": self._peak,
            "total": sum(self._calls.values()),
        }
