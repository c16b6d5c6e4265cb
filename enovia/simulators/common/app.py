"""The Starlette app around a simulator's state: its routes, `GET /`, and its shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from enovia.simulators.common.state import SimulatorCore


def utc_now() -> datetime:
    """The wall clock a simulator stamps run-time changes with, unless given another."""
    return datetime.now(UTC)


def simulator_app(
    state: SimulatorCore[Any, Any], index: Mapping[str, object], routes: Sequence[BaseRoute]
) -> Starlette:
    """An app serving *routes*, then `GET /` answering *index* as JSON.

    The live state is `app.state.simulator`; shutting the app down releases hung calls.
    """
    index_body = orjson.dumps(index)

    async def index_page(request: Request) -> Response:
        return Response(index_body, media_type="application/json")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.shutdown()

    app = Starlette(
        routes=[*routes, Route("/", index_page, methods=["GET"])],
        lifespan=lifespan,
    )
    app.state.simulator = state
    return app
