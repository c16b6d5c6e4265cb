"""Fixtures for the platform client: the platform simulator over real HTTP in a thread, its
admin API, and clients built against it (all closed after each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from enovia import RetryPolicy, Secret
from enovia.platform import (
    AgentLogin,
    BatchServiceLogin,
    LoginMethod,
    PasswordLogin,
    PlatformClient,
)
from enovia.simulators.platform import PlatformSimulatorConfig, create_platform_simulator_app
from gateway.metrics import Metrics
from gateway.serving import serve_in_thread
from tests.clocks import FakeClock

CONFIG = PlatformSimulatorConfig()
BATCH_SECRET = CONFIG.batch_service_secret
AGENT_SECRET = CONFIG.agent_secret
PASSWORD = CONFIG.users[0].password
USER = CONFIG.users[0].username


def batch_login(secret: Secret | None = None) -> BatchServiceLogin:
    return BatchServiceLogin(CONFIG.batch_service_name, secret or Secret(BATCH_SECRET), USER)


def password_login(password: str = PASSWORD) -> PasswordLogin:
    return PasswordLogin(USER, Secret(password))


def agent_login(secret: str = AGENT_SECRET) -> AgentLogin:
    return AgentLogin(CONFIG.agent_id, Secret(secret))


LOGINS: dict[str, Callable[[], LoginMethod]] = {
    "batch-service": batch_login,
    "cas-password": password_login,
    "agent": agent_login,
}


class Simulator:
    """The platform simulator's admin API (`/_sim/`), as the tests use it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.space_url = base_url + "/3dspace/"
        self.passport_url = base_url + "/3dpassport"
        self._http = httpx.Client(base_url=base_url, timeout=10)

    def stats(self) -> dict[str, Any]:
        return self._http.get("/_sim/stats").raise_for_status().json()  # type: ignore[no-any-return]

    def calls(self) -> dict[str, int]:
        """Calls by template, the ones made only."""
        return {k: v for k, v in self.stats()["calls"].items() if v}

    def reset(self) -> None:
        self._http.post("/_sim/reset").raise_for_status()

    def faults(self, **faults: Any) -> None:
        self._http.post("/_sim/faults", json=faults).raise_for_status()

    def expire_sessions(self, *, passport: bool = False) -> None:
        self._http.post("/_sim/sessions/expire", json={"passport": passport}).raise_for_status()

    def document(self, name: str, action: str = "", **body: Any) -> dict[str, Any]:
        """`POST /_sim/documents/{name}/{action}` (a GET without action)."""
        path = f"/_sim/documents/{quote(name, safe='')}"
        if not action:
            return self._http.get(path).raise_for_status().json()  # type: ignore[no-any-return]
        response = self._http.post(f"{path}/{action}", json=body).raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def delete(self, name: str) -> None:
        self._http.delete(f"/_sim/documents/{quote(name, safe='')}").raise_for_status()

    def rotate_batch_secret(self, secret: str) -> None:
        self._http.post("/_sim/batch-secret", json={"secret": secret}).raise_for_status()

    def close(self) -> None:
        self._http.close()


@pytest.fixture(scope="session")
def simulators() -> Iterator[Callable[[PlatformSimulatorConfig], str]]:
    """A simulator per configuration, started on first use and stopped at the end."""
    with ExitStack() as stack:
        started: dict[PlatformSimulatorConfig, str] = {}

        def url_for(config: PlatformSimulatorConfig) -> str:
            if config not in started:
                app = create_platform_simulator_app(config)
                started[config] = stack.enter_context(serve_in_thread(app))
            return started[config]

        yield url_for


@pytest.fixture
def make_sim(
    simulators: Callable[[PlatformSimulatorConfig], str],
) -> Iterator[Callable[..., Simulator]]:
    """A simulator (with `PlatformSimulatorConfig(**options)`), reset before and after."""
    made: list[Simulator] = []

    def make(**options: Any) -> Simulator:
        sim = Simulator(simulators(PlatformSimulatorConfig(**options)))
        sim.reset()
        sim.expire_sessions(passport=True)
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.reset()
        sim.close()


@pytest.fixture
def sim(make_sim: Callable[..., Simulator]) -> Simulator:
    return make_sim()


async def no_sleep(seconds: float) -> None:
    """Retries in tests do not really wait."""


@dataclass
class Made:
    """A client and what it was built with."""

    client: PlatformClient
    metrics: Metrics
    clock: FakeClock
    http: httpx.AsyncClient
    sleeps: list[float] = field(default_factory=list)


ClientFactory = Callable[..., Made]


@pytest.fixture
async def make_client(sim: Simulator) -> AsyncIterator[ClientFactory]:
    """`make(login=..., sim=..., **PlatformClient options)`: a client against the simulator
    (the default one unless `sim` says), retrying without waiting, on a fake clock."""
    made: list[Made] = []

    def make(
        login: LoginMethod | None = None,
        *,
        simulator: Simulator | None = None,
        attempts: int = 3,
        timeout: float = 5.0,
        **options: Any,
    ) -> Made:
        target = simulator or sim
        clock = FakeClock()
        metrics = Metrics()
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        http = httpx.AsyncClient(
            base_url=target.space_url,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            timeout=timeout,
        )
        client = PlatformClient(
            http,
            login=login or batch_login(),
            retry=RetryPolicy(attempts=attempts, sleep=sleep),
            observer=metrics,
            clock=clock,
            **options,
        )
        result = Made(client, metrics, clock, http, sleeps)
        made.append(result)
        return result

    yield make
    for result in made:
        await result.client.aclose()
