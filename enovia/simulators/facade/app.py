"""The app factory: one call, one independent simulator."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette

from enovia.simulators.common.app import simulator_app, utc_now
from enovia.simulators.common.routing import SegmentRoute
from enovia.simulators.facade.admin import AdminApi
from enovia.simulators.facade.config import SimulatorConfig
from enovia.simulators.facade.enovia import EnoviaApi
from enovia.simulators.facade.state import SimulatorState

_INDEX = {
    "name": "ENOVIA simulator",
    "api": [
        "POST /oauth2/token",
        "GET /api/v1/health",
        "GET /api/v1/documents/{doc_uid}",
        "GET /api/v1/documents/{doc_uid}/revisions/{revision}",
        "GET /api/v1/documents/{doc_uid}/revisions/latest",
    ],
    "admin": "/_sim/",
}


def create_simulator_app(
    config: SimulatorConfig | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """A new ENOVIA simulator with its own state, seeded with the sample documents.

    *clock* (monotonic seconds) decides token expiry; *wall_clock* (aware UTC) stamps
    run-time changes. Both are injectable so tests need not sleep. The live state is
    `app.state.simulator` (a SimulatorState); shutting the app down releases hung calls.
    """
    state = SimulatorState(config or SimulatorConfig(), clock=clock, wall_clock=wall_clock)
    enovia = EnoviaApi(state)
    routes = [
        # The API first: it takes nearly all the traffic.
        SegmentRoute("api", enovia.api_endpoint),
        SegmentRoute("oauth2", enovia.token_endpoint),
        SegmentRoute("_sim", AdminApi(state)),
    ]
    return simulator_app(state, _INDEX, routes)
