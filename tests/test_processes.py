"""`tests.processes`: a gateway as an OS process, and libfaketime really shifting its clock."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from enovia.simulators.facade import SimulatorConfig, create_simulator_app
from gateway.serving import serve_in_thread
from tests.processes import (
    GatewayProcess,
    GatewayProcessError,
    child_env,
    faketime_env,
    gateway_process,
    set_fake_time,
)

SIM_CONFIG = SimulatorConfig(client_id="process-tests", client_secret="process-secret")
QUERY = {"query": '{ document(uid: "DOC-001") { latestRevision { revision } } }'}
# The Date header has whole seconds and uvicorn refreshes it once a second: it lags the
# process's clock by up to 2 s.
DATE_LAG = 2.0
DEADLINE_SECONDS = 10.0


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    with serve_in_thread(create_simulator_app(SIM_CONFIG)) as url:
        yield url


@pytest.fixture
def settings(simulator_url: str) -> dict[str, str]:
    return {
        "ENOVIA_BASE_URL": simulator_url,
        "ENOVIA_CLIENT_ID": SIM_CONFIG.client_id,
        "ENOVIA_CLIENT_SECRET": SIM_CONFIG.client_secret,
        "GATEWAY_HEALTH_CHECK_INTERVAL": "0",
    }


def behind(gateway: GatewayProcess) -> float:
    """Seconds the gateway's wall clock (its Date header) is behind this process's."""
    response = httpx.get(f"{gateway.url}/api/v1/health", timeout=5)
    return time.time() - parsedate_to_datetime(response.headers["date"]).timestamp()


def test_a_gateway_process_serves_and_is_stopped(
    settings: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parent's own settings do not leak into the child: this one would demand a key.
    monkeypatch.setenv("GATEWAY_AUTH_MODE", "api-key")
    with gateway_process(settings) as gateway:
        response = httpx.post(f"{gateway.url}/graphql", json=QUERY, timeout=10)
        assert response.json() == {"data": {"document": {"latestRevision": {"revision": "B"}}}}
        assert -1 <= behind(gateway) <= DATE_LAG
    assert gateway.process.returncode is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{gateway.url}/api/v1/health", timeout=5)


def test_a_gateway_that_cannot_start_fails_with_its_output(settings: dict[str, str]) -> None:
    with (
        pytest.raises(GatewayProcessError, match="GATEWAY_CACHE_URL"),
        gateway_process({**settings, "GATEWAY_CACHE_URL": "nonsense://"}),
    ):
        pass


def test_faketime_shifts_a_python_childs_wall_clock_only() -> None:
    env = child_env({}, faketime_env(faketime="-5s"))
    script = "import time; print(time.time(), time.monotonic())"
    before = time.monotonic()
    output = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    after_wall, after = time.time(), time.monotonic()
    wall, monotonic = map(float, output.split())
    assert 4.0 <= after_wall - wall <= 6.0
    # CLOCK_MONOTONIC is one clock for the whole machine, and it is not faked.
    assert before <= monotonic <= after


def test_faketime_shifts_the_gateways_clock(settings: dict[str, str]) -> None:
    with gateway_process(settings, faketime="-5s") as gateway:
        assert 5 - 1 <= behind(gateway) <= 5 + DATE_LAG
        # Its event loop (timers on the monotonic clock) still serves queries.
        response = httpx.post(f"{gateway.url}/graphql", json=QUERY, timeout=10)
        assert response.json()["data"]["document"]["latestRevision"] == {"revision": "B"}


def test_a_clock_file_steps_the_gateways_clock_while_it_runs(
    settings: dict[str, str], tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    set_fake_time(clock, "+0")
    with gateway_process(settings, faketime_file=clock) as gateway:
        assert -1 <= behind(gateway) <= DATE_LAG
        set_fake_time(clock, "-10s")
        deadline = time.monotonic() + DEADLINE_SECONDS
        # uvicorn reads the clock for its Date header once a second.
        while (lag := behind(gateway)) < 10 - 1:
            assert time.monotonic() < deadline, f"the clock never stepped: {lag:.1f} s behind"
            time.sleep(0.1)  # waiting for the next Date header, not for a retry
        assert lag <= 10 + DATE_LAG
        response = httpx.post(f"{gateway.url}/graphql", json=QUERY, timeout=10)
        assert response.json()["data"]["document"]["latestRevision"] == {"revision": "B"}


def test_faketime_and_a_clock_file_are_exclusive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        faketime_env(faketime="-5s", faketime_file=tmp_path / "clock")
