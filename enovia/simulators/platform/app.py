"""The app factory: one call, one independent platform simulator."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette

from enovia.simulators.common.app import simulator_app, utc_now
from enovia.simulators.common.routing import SegmentRoute
from enovia.simulators.platform.admin import AdminApi
from enovia.simulators.platform.config import PlatformSimulatorConfig
from enovia.simulators.platform.passport import PassportApi
from enovia.simulators.platform.space import SpaceApi
from enovia.simulators.platform.state import PlatformState
from enovia.simulators.platform.stats import PASSPORT_TEMPLATES, SPACE_TEMPLATES

_INDEX = {
    "name": "3DEXPERIENCE platform simulator",
    "3dpassport": list(PASSPORT_TEMPLATES),
    "3dspace": list(SPACE_TEMPLATES),
    "admin": "/_sim/",
}


def create_platform_simulator_app(
    config: PlatformSimulatorConfig | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """A new 3DEXPERIENCE simulator (3DPassport + 3DSpace) with its own state.

    One port, three roots: `/3dpassport/...`, `/3dspace/...` and the admin API `/_sim/...`.
    *clock* (monotonic seconds) decides ticket and session expiry and the search index's
    lag; *wall_clock* (aware UTC) stamps run-time changes. Both are injectable so tests need
    not sleep. The live state is `app.state.simulator` (a PlatformState); shutting the app
    down releases hung calls.
    """
    state = PlatformState(config or PlatformSimulatorConfig(), clock=clock, wall_clock=wall_clock)
    routes = [
        # 3DSpace first: it takes nearly all the traffic.
        SegmentRoute("3dspace", SpaceApi(state)),
        SegmentRoute("3dpassport", PassportApi(state)),
        SegmentRoute("_sim", AdminApi(state)),
    ]
    return simulator_app(state, _INDEX, routes)
