"""The gateway over real HTTP against the simulator over real HTTP, each in its own thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from enovia import Sleep
from enovia.simulators.facade import SimulatorConfig, create_simulator_app
from enovia.simulators.platform import DOCUMENTS_BY_IDS, GRAPH, SEARCH
from gateway.app import create_app
from gateway.serving import serve_in_thread
from gateway.settings import Settings, load_settings
from tests.gateway.testbeds import (
    ADMIN_KEY,
    TEST_SETTINGS,
    PlatformSimulator,
    ScanCost,
    SimulatorAdmin,
    Testbed,
    facade_release_new,
    platform_release_new,
    platform_settings_for,
)

SIM_CONFIG = SimulatorConfig(client_id="gateway-tests", client_secret="sim-secret-for-tests")


class Simulator(SimulatorAdmin):
    """The facade simulator's admin API."""

    def calls(self, template: str | None = None) -> int:
        stats = self.stats()
        if template is None:
            return sum(
                n for name, n in stats["calls"].items() if name.startswith("GET /api/v1/documents")
            )
        return int(stats["calls"].get(template, 0))

    def add_revision(self, uid: str, **revision: Any) -> None:
        path = f"/_sim/documents/{quote(uid, safe='')}/revisions"
        self._http.post(path, json=revision).raise_for_status()

    def change_revision(self, uid: str, label: str, **changes: Any) -> None:
        path = f"/_sim/documents/{quote(uid, safe='')}/revisions/{quote(label, safe='')}"
        self._http.patch(path, json=changes).raise_for_status()


@pytest.fixture(scope="session")
def simulator_url() -> Iterator[str]:
    with serve_in_thread(create_simulator_app(SIM_CONFIG)) as url:
        yield url


@pytest.fixture
def sim(simulator_url: str) -> Iterator[Simulator]:
    simulator = Simulator(simulator_url)
    simulator.reset()
    yield simulator
    simulator.reset()
    simulator.close()


def settings_for(simulator_url: str, **overrides: Any) -> Settings:
    """Settings that point at the simulator and ignore any `.env` of the developer's."""
    return load_settings(
        **{
            **TEST_SETTINGS,
            "enovia_base_url": simulator_url,
            "enovia_client_id": SIM_CONFIG.client_id,
            "enovia_client_secret": SIM_CONFIG.client_secret,
            **overrides,
        }
    )


async def no_sleep(seconds: float) -> None:
    """Retries in tests do not really wait."""


def invalidate(
    url: str, body: object, *, timeout: float = 30, headers: dict[str, str] | None = None
) -> httpx.Response:
    """`POST {url}/api/v1/admin/invalidate` with *body*, as an admin (`ADMIN_KEY`) unless
    *headers* say otherwise (`{}`: no credentials)."""
    sent = {"X-API-Key": ADMIN_KEY} if headers is None else headers
    return httpx.post(f"{url}/api/v1/admin/invalidate", json=body, headers=sent, timeout=timeout)


@dataclass
class Gateway:
    url: str

    def query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


StartGateway = Callable[..., Gateway]


@contextmanager
def gateways(make_settings: Callable[..., Settings]) -> Iterator[StartGateway]:
    """Start gateways with `make_settings(**overrides)` (several may run at once); all are
    stopped on exit."""
    with ExitStack() as stack:

        def start(sleep: Sleep = no_sleep, **overrides: Any) -> Gateway:
            app = create_app(make_settings(**overrides), sleep=sleep)
            return Gateway(stack.enter_context(serve_in_thread(app)))

        yield start


@pytest.fixture
def start_gateway(sim: Simulator) -> Iterator[StartGateway]:
    """Start gateways on the facade simulator; all are stopped after the test."""
    with gateways(partial(settings_for, sim.base_url)) as start:
        yield start


@pytest.fixture
def gateway(start_gateway: StartGateway) -> Gateway:
    return start_gateway()


@pytest.fixture(scope="session")
def platform_simulator_url() -> Iterator[str]:
    from enovia.simulators.platform import create_platform_simulator_app
    from tests.gateway.testbeds import PLATFORM_CONFIG

    with serve_in_thread(create_platform_simulator_app(PLATFORM_CONFIG)) as url:
        yield url


@pytest.fixture
def platform_sim(platform_simulator_url: str) -> Iterator[PlatformSimulator]:
    simulator = PlatformSimulator(platform_simulator_url)
    simulator.reset()
    yield simulator
    simulator.reset()
    simulator.close()


@pytest.fixture
def start_platform_gateway(platform_sim: PlatformSimulator) -> Iterator[StartGateway]:
    """Start gateways on the platform simulator; all are stopped after the test."""
    with gateways(partial(platform_settings_for, platform_sim.base_url)) as start:
        yield start


@pytest.fixture(params=["facade", "3dexperience"])
def testbed(request: pytest.FixtureRequest) -> Testbed:
    """The gateway's upstream, once the facade, once the 3DEXPERIENCE platform."""
    if request.param == "facade":
        sim = request.getfixturevalue("sim")
        return Testbed(
            name="facade",
            sim=sim,
            start=request.getfixturevalue("start_gateway"),
            release_new=facade_release_new(sim),
            # The scan's verdict needs the revision and the latest one; the document itself
            # only when the revision is missing.
            scan_cost=ScanCost(
                {
                    "GET /api/v1/documents/{doc_uid}/revisions/{revision}": 1,
                    "GET /api/v1/documents/{doc_uid}/revisions/latest": 1,
                }
            ),
        )
    platform = request.getfixturevalue("platform_sim")
    return Testbed(
        name="3dexperience",
        sim=platform,
        start=request.getfixturevalue("start_platform_gateway"),
        release_new=platform_release_new(platform),
        scan_cost=ScanCost({SEARCH: 1, GRAPH: 1, DOCUMENTS_BY_IDS: 1}),
    )
