"""The fault-injection suite: real HTTP between gateway and simulator (and a real Redis), each
case printing its figure. Retries never really wait (the sleep is injected), nor does the
circuit's cool-down (its clock is injected); the token lifetimes case takes seconds of real
time, as the simulator's tokens expire in real time. Every wait for the load has a deadline."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.serving import serve_in_thread
from tests.clocks import FakeClock
from tests.conftest import PATIENT_REDIS_TIMEOUT, RedisServer
from tests.gateway.conftest import Gateway, Simulator, StartGateway, no_sleep, settings_for

PAIR = """query($uid: ID!) {
  document(uid: $uid) { uid checkedAt freshness latestRevision { revision } }
}"""
#: The longest a test waits for the load it runs to make progress.
DEADLINE = 30.0


@pytest.fixture
def figure(capsys: pytest.CaptureFixture[str]) -> Callable[[str], None]:
    """Print a case's figure to the terminal, past pytest's capture."""

    def report(text: str) -> None:
        with capsys.disabled():
            print(f"\n    [figure] {text}")

    return report


def ask(gateway: Gateway, uid: str, client: httpx.Client) -> httpx.Response:
    return client.post(f"{gateway.url}/graphql", json={"query": PAIR, "variables": {"uid": uid}})


def test_ten_percent_503s(gateway: Gateway, sim: Simulator, figure: Callable[[str], None]):
    sim.faults(error_rate=0.1, error_status=503)
    queries, with_data, clean_failures, statuses = 400, 0, 0, set()
    with httpx.Client(timeout=30) as client:
        for n in range(queries):
            response = ask(gateway, f"GEN-{n}", client)  # distinct: every query goes to ENOVIA
            statuses.add(response.status_code)
            body = response.json()
            if body["data"]["document"] and body["data"]["document"]["latestRevision"]:
                with_data += 1
            else:
                codes = {error["extensions"]["code"] for error in body["errors"]}
                assert codes == {"UPSTREAM_UNAVAILABLE"}
                clean_failures += 1
    calls = sim.stats()["statuses"]
    figure(
        f"10% 503: {with_data}/{queries} queries answered with data "
        f"({100 * with_data / queries:.2f}%), {clean_failures} failed cleanly; "
        f"ENOVIA answered {calls.get('503', 0)} x 503 and {calls.get('200', 0)} x 200; "
        f"gateway HTTP statuses {sorted(statuses)}"
    )
    assert statuses == {200}
    assert with_data / queries >= 0.995


def test_429_with_retry_after_is_honoured(
    start_gateway: StartGateway, sim: Simulator, figure: Callable[[str], None]
):
    waits: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        waits.append(seconds)

    # A third of the answers are 429: more than the default retry budget (a fifth) allows.
    gateway = start_gateway(sleep=recording_sleep, enovia_retry_budget_ratio=0.5)
    sim.faults(rate_limit={"every": 3, "retry_after": 2})
    with httpx.Client(timeout=30) as client:
        answers = [ask(gateway, f"GEN-{n}", client).json() for n in range(20)]
    assert [answer.get("errors") for answer in answers if "errors" in answer] == []
    limited = sim.stats()["statuses"].get("429", 0)
    figure(f"429: {limited} answers were 429 with Retry-After: 2; the gateway waited {waits}")
    assert limited > 0
    assert waits == [2.0] * limited


async def test_tokens_expiring_every_two_seconds_under_concurrent_load(
    gateway: Gateway, sim: Simulator, figure: Callable[[str], None]
):
    sim.faults(token_ttl=2.0)
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        await client.post("/graphql", json={"query": "{ health { enovia } }"})
        before = sim.stats()["token_requests"]
        started = time.monotonic()
        failures, answered = 0, 0

        async def worker(offset: int) -> None:
            nonlocal failures, answered
            n = offset
            while time.monotonic() - started < 4.5:
                body = (
                    await client.post(
                        "/graphql",
                        json={"query": PAIR, "variables": {"uid": f"GEN-{n}"}},
                    )
                ).json()
                answered += 1
                failures += "errors" in body
                n += 20

        await asyncio.gather(*(worker(offset) for offset in range(20)))
    elapsed = time.monotonic() - started
    stats = sim.stats()
    token_requests = stats["token_requests"] - before
    figure(
        f"2 s tokens, 20 concurrent clients, {elapsed:.1f} s: {answered} queries, "
        f"{failures} failed, {token_requests} token requests, {stats['unauthorized']} refused calls"
    )
    assert failures == 0
    # One refresh per lifetime (reused for 1.8 s), not one per caller.
    assert token_requests <= elapsed / 1.8 + 2


def test_a_revoked_token_is_refreshed_once_and_the_call_retried(
    gateway: Gateway, sim: Simulator, figure: Callable[[str], None]
):
    with httpx.Client(timeout=30) as client:
        assert "errors" not in ask(gateway, "GEN-1", client).json()
        before = sim.stats()
        httpx.post(f"{sim.base_url}/_sim/tokens/revoke").raise_for_status()
        answer = ask(gateway, "GEN-2", client).json()
    after = sim.stats()
    refreshes = after["token_requests"] - before["token_requests"]
    refused = after["unauthorized"] - before["unauthorized"]
    figure(f"revoked token: {refreshes} token request, {refused} call(s) refused, then answered")
    assert "errors" not in answer
    assert refreshes == 1


def test_enovia_down_stale_then_fail_fast_then_recovery(
    sim: Simulator, figure: Callable[[str], None]
):
    cool_down = 30.0
    clock = FakeClock()  # the circuit's: its cool-down elapses when the test says so
    settings = settings_for(
        sim.base_url,
        gateway_cache_ttl_document=0,
        gateway_cache_ttl_latest=0,
        enovia_circuit_failure_threshold=3,
        enovia_circuit_reset_timeout=cool_down,
    )
    app = create_app(settings, sleep=no_sleep, circuit_clock=clock)
    with serve_in_thread(app) as url, httpx.Client(timeout=30) as client:
        gateway = Gateway(url)
        fresh = ask(gateway, "DOC-001", client).json()["data"]["document"]
        sim.faults(down=True)
        stale = ask(gateway, "DOC-001", client).json()
        assert "errors" not in stale
        assert stale["data"]["document"]["freshness"] == "STALE"
        assert stale["data"]["document"]["checkedAt"] == fresh["checkedAt"]
        for n in range(3):
            ask(gateway, f"GEN-{n}", client)
        health = client.get(f"{gateway.url}/api/v1/health/detailed")
        assert health.status_code == 503
        assert health.json()["circuit"] == "open"
        calls_before = sim.stats()["calls"]
        fast = ask(gateway, "GEN-99", client).json()
        calls_after = sim.stats()["calls"]
        assert fast["data"]["document"] is None
        assert "circuit open" in fast["errors"][0]["message"]
        assert fast["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        api_calls = [name for name in calls_before if name.startswith("GET /api/v1/documents")]
        assert all(calls_before[name] == calls_after[name] for name in api_calls)
        still_stale = ask(gateway, "DOC-001", client).json()["data"]["document"]
        assert still_stale["freshness"] == "STALE"
        sim.faults(down=False)
        clock.advance(cool_down - 0.5)
        not_yet = ask(gateway, "GEN-99", client).json()  # ENOVIA is back, the circuit not yet
        clock.advance(0.5)  # the cool-down is over: the next call probes
        recovered = ask(gateway, "GEN-99", client).json()
        health_after = client.get(f"{gateway.url}/api/v1/health/detailed").json()
    figure(
        "ENOVIA down: cached document served STALE with its checkedAt; after 3 failures the "
        "circuit opened and uncached queries failed at once with no ENOVIA call; after the "
        f"cool-down: {'answered' if 'errors' not in recovered else 'failed'}, "
        f"circuit {health_after['circuit']}, ENOVIA {health_after['enovia']}"
    )
    assert "circuit open" in not_yet["errors"][0]["message"]
    assert "errors" not in recovered
    assert health_after["circuit"] == "closed"


def test_enovia_hanging_answers_within_the_deadline(
    start_gateway: StartGateway, sim: Simulator, figure: Callable[[str], None]
):
    gateway = start_gateway(gateway_request_timeout=1.0, enovia_timeout=30)
    with httpx.Client(timeout=30) as client:
        ask(gateway, "GEN-1", client)
        sim.faults(hang=True)
        started = time.monotonic()
        body = ask(gateway, "GEN-2", client).json()
        elapsed = time.monotonic() - started
    figure(f"ENOVIA hanging: answered after {elapsed:.2f} s with a 1.0 s deadline")
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"


@pytest.mark.redis
def test_redis_killed_mid_run(
    start_gateway: StartGateway,
    redis_server: RedisServer,
    redis_url: str,
    figure: Callable[[str], None],
):
    gateway = start_gateway(gateway_cache_url=redis_url)
    failures: list[Any] = []
    answered = 0
    stop = threading.Event()

    def load() -> None:
        nonlocal answered
        with httpx.Client(timeout=30) as client:
            n = 0
            while not stop.is_set():
                body = ask(gateway, f"GEN-{n % 50}", client).json()
                answered += 1
                if "errors" in body:
                    failures.append(body["errors"])
                n += 1

    def wait_for_answers(count: int, when: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while answered < count:
            assert worker.is_alive(), f"the load stopped {when} after {answered} answers"
            assert time.monotonic() < deadline, (
                f"{answered} answers {when} after {DEADLINE} s, not {count}: the gateway stalled"
            )
            time.sleep(0.01)  # polling the load's counter, with a deadline, not a retry

    worker = threading.Thread(target=load)
    worker.start()
    try:
        wait_for_answers(100, "before the kill")
        redis_server.stop()
        killed_at = answered
        wait_for_answers(killed_at + 200, "after the kill")
        degraded = httpx.get(f"{gateway.url}/api/v1/health/detailed").json()["status"]
    finally:
        stop.set()
        worker.join(timeout=DEADLINE)
        redis_server.start()
    assert not worker.is_alive(), "the load did not stop"
    figure(
        f"Redis killed mid-run: {answered} queries ({answered - killed_at} after the kill), "
        f"{len(failures)} failed; detailed health said {degraded!r}"
    )
    assert failures == []
    assert degraded == "degraded"


@pytest.mark.redis
async def test_two_replicas_on_one_redis(
    start_gateway: StartGateway, sim: Simulator, redis_url: str, figure: Callable[[str], None]
):
    # Both replicas run in this test's process, so a burst makes their event loops wait on each
    # other: a generous Redis timeout keeps that from counting as a Redis failure (which would
    # rightly make each replica fetch for itself and is tested on its own above).
    first = start_gateway(gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT)
    second = start_gateway(gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT)
    for gateway in (first, second):
        gateway.query("{ health { enovia } }")  # tokens first: only data calls are counted
    sim.faults(latency_ms=300)
    before = sim.stats()["calls"]
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100)) as client:
        burst = [
            client.post(
                f"{gateway.url}/graphql", json={"query": PAIR, "variables": {"uid": "DOC-002"}}
            )
            for _ in range(50)
            for gateway in (first, second)
        ]
        bodies = [response.json() for response in await asyncio.gather(*burst)]
    after = sim.stats()["calls"]
    document_calls = (
        after["GET /api/v1/documents/{doc_uid}"] - before["GET /api/v1/documents/{doc_uid}"]
    )
    latest_key = "GET /api/v1/documents/{doc_uid}/revisions/latest"
    latest_calls = after[latest_key] - before[latest_key]
    sim.faults(latency_ms=0)
    shared = second.query(PAIR, uid="DOC-001")  # fetched by neither yet: LIVE
    cached_elsewhere = first.query(PAIR, uid="DOC-001")["data"]["document"]["freshness"]
    figure(
        f"two replicas, one Redis, 100 concurrent cold queries: {document_calls} document and "
        f"{latest_calls} latest-revision call(s); what one replica fetched the other served "
        f"as {cached_elsewhere}"
    )
    assert all("errors" not in body for body in bodies)
    assert document_calls == 1
    assert latest_calls == 1
    assert shared["data"]["document"]["freshness"] == "LIVE"
    assert cached_elsewhere == "CACHED"


@pytest.fixture(autouse=True)
def _every_case_ends_with_enovia_healthy(sim: Simulator) -> Iterator[None]:
    yield
    sim.reset()
