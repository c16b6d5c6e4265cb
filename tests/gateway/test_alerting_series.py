"""The series the alerts read (`deploy/prometheus/alerts.yml`), over real HTTP: verdicts by
freshness, the cache backend up or down (a real redis-server stopped and started), and the
circuit breaker's state from the start."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PATIENT_REDIS_TIMEOUT, RedisServer
from tests.gateway.conftest import Gateway, Simulator, StartGateway, invalidate
from tests.gateway.ws_client import ACTUALITY_CHANGED, opened

ACTUALITY = """query($uid: ID!, $revision: String!, $maxAge: Int) {
  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) { reason freshness }
}"""
DRAWING_SET = """query($items: [RevisionRef!]!) {
  actualities(items: $items) { reason freshness }
}"""
FRESHNESS = ("LIVE", "CACHED", "STALE", "UNCONFIRMED")
#: Seconds for what a test waits for (Redis back in use, a watch's poll).
DEADLINE = 10.0


def metric(gateway: Gateway, name: str, **labels: str) -> float | None:
    """The value of series `name` with `labels` on `gateway`'s /metrics; None when absent."""
    text = httpx.get(f"{gateway.url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def answers(gateway: Gateway) -> dict[str, float | None]:
    return {
        freshness: metric(gateway, "gateway_answers_total", freshness=freshness)
        for freshness in FRESHNESS
    }


def verdict(gateway: Gateway, uid: str, revision: str, **variables: int) -> dict[str, str]:
    answer = gateway.query(ACTUALITY, uid=uid, revision=revision, **variables)
    assert "errors" not in answer, answer
    result: dict[str, str] = answer["data"]["actuality"]
    return result


def test_the_alerts_series_are_there_from_the_start(gateway: Gateway) -> None:
    assert metric(gateway, "enovia_circuit_state") == 0  # closed, before any transition
    assert metric(gateway, "gateway_cache_backend_up", backend="memory") == 1
    assert answers(gateway) == dict.fromkeys(FRESHNESS, 0)


def test_each_verdict_answered_is_counted_once_by_its_freshness(
    start_gateway: StartGateway, sim: Simulator
) -> None:
    gateway = start_gateway(gateway_request_timeout=2)
    assert verdict(gateway, "DOC-001", "B") == {"reason": "CURRENT", "freshness": "LIVE"}
    assert verdict(gateway, "DOC-001", "B", maxAge=300)["freshness"] == "CACHED"
    items = [{"uid": "DOC-001", "revision": "A"}, {"uid": "DOC-002", "revision": "A"}]
    drawing_set = gateway.query(DRAWING_SET, items=[*items, {"uid": "", "revision": "A"}])
    assert [item and item["freshness"] for item in drawing_set["data"]["actualities"]] == [
        "LIVE",
        "LIVE",
        None,  # malformed: an error, no verdict
    ]
    gateway.query('{ document(uid: "DOC-001") { latestRevision { isActual } } }')  # no verdict
    assert answers(gateway) == {"LIVE": 3, "CACHED": 1, "STALE": 0, "UNCONFIRMED": 0}

    sim.faults(down=True)
    try:
        # On what the cache kept: B would be CURRENT, so it is UNCONFIRMED; A stays SUPERSEDED.
        assert verdict(gateway, "DOC-001", "B") == {"reason": "UNCONFIRMED", "freshness": "STALE"}
        assert verdict(gateway, "DOC-001", "A") == {"reason": "SUPERSEDED", "freshness": "STALE"}
        nothing_kept = gateway.query(ACTUALITY, uid="DOC-003", revision="A")
        assert nothing_kept["data"]["actuality"] is None  # an error, no verdict
    finally:
        sim.faults(down=False)
    assert answers(gateway) == {"LIVE": 3, "CACHED": 1, "STALE": 1, "UNCONFIRMED": 1}


async def test_a_subscriptions_verdicts_are_counted_when_sent(
    start_gateway: StartGateway, sim: Simulator
) -> None:
    gateway = start_gateway(gateway_watch_interval=0.2)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid="DOC-001", revision="B")
        assert (await connection.event("1"))["data"]["actualityChanged"]["reason"] == "CURRENT"
        deadline = time.monotonic() + DEADLINE
        while (metric(gateway, "gateway_watch_polls_total", outcome="ok") or 0) < 4:
            assert time.monotonic() < deadline, "no second round of polls"
            await asyncio.sleep(0.02)  # waiting for the watch's polls, with a deadline
        # Checked again and again, unchanged: nothing sent, nothing counted.
        assert sum(value or 0 for value in answers(gateway).values()) == 1
        sim.add_revision("DOC-001", revision="C", maturityState="Released")
        assert invalidate(gateway.url, {"uids": ["DOC-001"]}).status_code == 200
        changed = (await connection.event("1"))["data"]["actualityChanged"]
        assert changed["reason"] == "NEWER_REVISION_RELEASED"
        assert sum(value or 0 for value in answers(gateway).values()) == 2


@pytest.mark.redis
def test_the_cache_backend_is_down_while_redis_is_and_up_again_after(
    start_gateway: StartGateway, redis_server: RedisServer, redis_url: str
) -> None:
    gateway = start_gateway(
        gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT
    )
    assert metric(gateway, "gateway_cache_backend_up", backend="redis") == 1
    redis_server.stop()
    try:
        verdict(gateway, "DOC-001", "B")  # its cache lookup finds Redis gone
        assert metric(gateway, "gateway_cache_backend_up", backend="redis") == 0
    finally:
        redis_server.start()
    deadline = time.monotonic() + DEADLINE
    while metric(gateway, "gateway_cache_backend_up", backend="redis") != 1:
        assert time.monotonic() < deadline, "Redis back, but not in use again"
        verdict(gateway, "DOC-001", "B")  # the first lookup after Redis's rest asks it again
        time.sleep(0.05)
    assert metric(gateway, "gateway_cache_backend_up", backend="memory") is None


@pytest.mark.redis
def test_a_redis_unreachable_at_start_is_down_from_the_start(
    start_gateway: StartGateway, unreachable: str
) -> None:
    gateway = start_gateway(gateway_cache_url=f"redis://{unreachable}/0")
    assert metric(gateway, "gateway_cache_backend_up", backend="redis") == 0
    assert verdict(gateway, "DOC-001", "B")["reason"] == "CURRENT"  # answered all the same
