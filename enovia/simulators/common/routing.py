"""A Starlette route that matches on raw path segments (see `paths`)."""

from __future__ import annotations

from typing import Any, Final

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Receive, Scope, Send

from enovia.simulators.common.paths import request_segments

# Scope key holding the decoded segments below a SegmentRoute's prefix.
SEGMENTS_KEY: Final = "simulator.segments"
# Scope key caching every decoded segment of the request path.
_PARSED_KEY: Final = "simulator.path_segments"


def scope_segments(scope: Scope) -> tuple[str, ...]:
    """The segments below the matched prefix, as a SegmentRoute put them in *scope*."""
    segments: tuple[str, ...] = scope[SEGMENTS_KEY]
    return segments


class SegmentRoute(BaseRoute):
    """Hands every HTTP request whose first decoded segment is *prefix* to *app*.

    The remaining segments are in `scope_segments(scope)`; the app matches them itself, so
    an identifier holding `/`, `?` or `#` is one segment, and a path with the wrong number
    of segments is the app's to refuse.
    """

    def __init__(self, prefix: str, app: ASGIApp) -> None:
        self.prefix = prefix
        self.app = app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        # Parsed once per request, not once per route tried.
        if _PARSED_KEY in scope:
            segments = scope[_PARSED_KEY]
        else:
            segments = scope[_PARSED_KEY] = request_segments(scope)
        if not segments or segments[0] != self.prefix:
            return Match.NONE, {}
        return Match.FULL, {SEGMENTS_KEY: segments[1:]}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
