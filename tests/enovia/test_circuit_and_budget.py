"""The circuit breaker and the retry budget."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from enovia import (
    CircuitBreaker,
    CircuitOpen,
    CircuitState,
    NotFound,
    RetryBudget,
    RetryPolicy,
    UpstreamUnavailable,
)
from gateway.metrics import Metrics
from schema.errors import ErrorCode, upstream_code
from tests.clocks import FakeClock
from tests.enovia.conftest import DOCUMENT_JSON, HarnessFactory


async def test_opens_after_consecutive_failures_and_probes_after_the_timeout():
    clock, metrics = FakeClock(), Metrics()
    circuit = CircuitBreaker(failure_threshold=3, reset_timeout=10, observer=metrics, clock=clock)
    for _ in range(2):
        await circuit.before_call()
        circuit.failed()
    await circuit.before_call()
    circuit.succeeded()  # a success resets the count
    for _ in range(3):
        await circuit.before_call()
        circuit.failed()
    assert circuit.state is CircuitState.OPEN
    with pytest.raises(CircuitOpen):
        await circuit.before_call()
    clock.now += 10
    assert circuit.state is CircuitState.HALF_OPEN
    await circuit.before_call()  # the probe
    waiting = asyncio.ensure_future(circuit.before_call())  # others wait for its outcome
    await asyncio.sleep(0)
    assert not waiting.done()
    circuit.failed()
    assert circuit.state is CircuitState.OPEN  # the probe failed: open again
    with pytest.raises(CircuitOpen):
        await waiting  # and the one waiting is refused
    clock.now += 10
    await circuit.before_call()
    waiting = asyncio.ensure_future(circuit.before_call())
    await asyncio.sleep(0)
    circuit.succeeded()
    await waiting  # the probe succeeded: the waiting call goes through
    assert circuit.state is CircuitState.CLOSED
    exposition = metrics.exposition().decode()
    assert "enovia_circuit_state 0.0" in exposition
    assert 'enovia_circuit_transitions_total{state="open"} 2.0' in exposition


async def test_the_client_fails_fast_while_open(make_harness: HarnessFactory):
    h = make_harness(attempts=1)
    h.client.circuit = CircuitBreaker(failure_threshold=2, reset_timeout=5, clock=h.clock)
    route = h.router.get("/api/v1/documents/D").respond(503)
    for _ in range(2):
        with pytest.raises(UpstreamUnavailable):
            await h.client.get_document("D")
    with pytest.raises(CircuitOpen) as caught:
        await h.client.get_document("D")
    assert upstream_code(caught.value) is ErrorCode.UPSTREAM_UNAVAILABLE
    assert route.call_count == 2  # the third never reached ENOVIA
    h.clock.now += 5
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    assert (await h.client.get_document("D")).id == "DOC-1"
    assert h.client.circuit.state is CircuitState.CLOSED


async def test_not_found_and_rate_limits_do_not_open_it(make_harness: HarnessFactory):
    h = make_harness(attempts=1)
    h.client.circuit = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=h.clock)
    h.router.get("/api/v1/documents/D").respond(404)
    h.router.get("/api/v1/documents/R").respond(429)
    with pytest.raises(NotFound):
        await h.client.get_document("D")
    with pytest.raises(UpstreamUnavailable):
        await h.client.get_document("R")
    assert h.client.circuit.state is CircuitState.CLOSED


async def test_an_open_circuit_is_not_retried(make_harness: HarnessFactory):
    h = make_harness(attempts=5)
    h.client.circuit = CircuitBreaker(failure_threshold=2, reset_timeout=60, clock=h.clock)
    route = h.router.get("/api/v1/documents/D").respond(503)
    with pytest.raises(CircuitOpen):
        await h.client.get_document("D")
    assert route.call_count == 2
    assert len(h.sleeps) == 2  # two waits, then the open circuit ended it


def test_the_budget_allows_a_share_of_the_calls():
    clock = FakeClock()
    budget = RetryBudget(ratio=0.25, min_per_second=0, capacity=2, clock=clock)
    assert budget.try_spend()
    assert budget.try_spend()
    assert not budget.try_spend()  # saved-up retries spent
    for _ in range(10):
        budget.record_call()
    assert budget.try_spend()
    assert budget.try_spend()
    assert not budget.try_spend()  # 10 calls earned 2.5 retries, capped at 2


def test_the_budget_refills_over_time():
    clock = FakeClock()
    budget = RetryBudget(ratio=0, min_per_second=1, capacity=5, clock=clock)
    while budget.try_spend():
        pass
    clock.now += 2
    assert budget.try_spend()
    assert budget.try_spend()
    assert not budget.try_spend()


async def test_retries_stop_when_the_budget_is_spent():
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    clock = FakeClock()
    budget = RetryBudget(ratio=0, min_per_second=0, capacity=3, clock=clock)
    policy = RetryPolicy(attempts=10, sleep=sleep, budget=budget)
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise UpstreamUnavailable("503")

    with pytest.raises(UpstreamUnavailable):
        await policy.call(failing)
    assert calls == 4  # the first try and the three retries the budget held
    with pytest.raises(UpstreamUnavailable):
        await policy.call(failing)
    assert calls == 5  # no budget left: no retry at all


async def test_the_deadline_stops_retries(make_harness: HarnessFactory):
    from enovia import deadline_after

    h = make_harness(attempts=5)
    route = h.router.get("/api/v1/documents/D").mock(
        side_effect=lambda request: httpx.Response(429, headers={"Retry-After": "3"})
    )
    with deadline_after(1.0), pytest.raises(UpstreamUnavailable):
        await h.client.get_document("D")
    assert route.call_count == 1
    assert h.sleeps == []
    with deadline_after(10.0), pytest.raises(UpstreamUnavailable):
        await h.client.get_document("D")
    assert h.sleeps[0] == 3.0
