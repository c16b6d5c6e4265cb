"""Subscriptions over real WebSockets (graphql-transport-ws) against gateways on the
simulators: first events, changes within one interval and at once on invalidation, one poll
per resource however many subscribers (and replicas), ENOVIA outages, disconnections,
authentication, limits, pings and shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed

from enovia.simulators.facade import CATALOGUE_UIDS, DOC_SUPERSEDED_THEN_RELEASED
from gateway.app import create_app
from gateway.connections import SHUTDOWN_REASON, uvicorn_options
from gateway.serving import serve_in_thread
from tests.gateway.conftest import (
    Gateway,
    Simulator,
    StartGateway,
    gateways,
    invalidate,
    settings_for,
)
from tests.gateway.testbeds import Testbed
from tests.gateway.ws_client import (
    ACTUALITY_CHANGED,
    DOCUMENT_CHANGED,
    WAIT,
    Connection,
    opened,
)

DOC = DOC_SUPERSEDED_THEN_RELEASED  # A superseded by B; B released and the latest
#: A watch interval short enough for a test to see several.
SHORT = 0.3
#: One long enough that no poll comes during a test: only invalidations make checks.
LONG = 3600.0
CLIENT_KEY = "subscriptions-client-key-7d1e"
TEXT_REASON_CODES = {4403, 1013, 1012}


def metric(gateway: Gateway, name: str, **labels: str) -> float:
    """The value of series `name` (summed over the labels not given) on `gateway`'s /metrics."""
    text = httpx.get(f"{gateway.url}/metrics", timeout=10).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


async def until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Wait, with a deadline, until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def polls(gateway: Gateway) -> float:
    return metric(gateway, "gateway_watch_polls_total")


async def first_verdict(connection: Connection, id: str = "1") -> dict[str, Any]:
    event = await connection.event(id)
    verdict: dict[str, Any] = event["data"]["actualityChanged"]
    return verdict


# The first event, and changes.


async def test_the_first_event_is_the_verdict_now(testbed: Testbed) -> None:
    gateway = testbed.start(gateway_watch_interval=LONG)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        verdict = await first_verdict(connection)
        assert verdict["reason"] == "CURRENT"
        assert verdict["isActual"] is True
        assert verdict["freshness"] == "LIVE"  # GATEWAY_ACTUALITY_MAX_AGE 0: asked now
        await connection.subscribe("2", ACTUALITY_CHANGED, uid=DOC, revision="A")
        assert (await first_verdict(connection, "2"))["reason"] == "SUPERSEDED"


async def test_a_release_reaches_the_subscriber_within_one_interval(testbed: Testbed) -> None:
    gateway = testbed.start(gateway_watch_interval=1.0)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        assert (await first_verdict(connection))["reason"] == "CURRENT"
        await until(lambda: polls(gateway) >= 2, "a first poll")  # watched: revision, latest
        testbed.release_new(DOC, "C")
        released_after = polls(gateway)
        verdict = await first_verdict(connection)
        assert verdict["reason"] in {"SUPERSEDED", "NEWER_REVISION_RELEASED"}
        assert verdict["isActual"] is False
        assert verdict["businessStatus"]["code"] == "CHANGES_INTRODUCED_GET_NEW"
        # Told by the first round of polls that began after the release (2 resources a
        # round; one more round may have been under way when it was made).
        assert polls(gateway) - released_after <= 4


async def test_an_invalidation_pushes_the_change_at_once(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(gateway_watch_interval=LONG)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        assert (await first_verdict(connection))["reason"] == "CURRENT"
        sim.add_revision(DOC, revision="C", maturityState="Released", supersede_previous=True)
        await connection.quiet(SHORT)  # no poll comes within the long interval
        assert invalidate(gateway.url, {"uids": [DOC]}).status_code == 200
        verdict = await first_verdict(connection)
        assert verdict["reason"] == "SUPERSEDED"
        assert verdict["freshness"] in {"LIVE", "CACHED"}
        assert polls(gateway) == 2  # one re-check of the two watched resources


async def test_only_changed_verdicts_are_sent(sim: Simulator, start_gateway: StartGateway) -> None:
    gateway = start_gateway(gateway_watch_interval=SHORT)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        await first_verdict(connection)
        await until(lambda: polls(gateway) >= 6, "three rounds of polls")
        await connection.quiet(0.1)
        assert metric(gateway, "gateway_subscription_events_total") == 1


async def test_document_changed_sends_each_document_then_the_changed_one(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(gateway_watch_interval=SHORT)
    uids = [DOC, "DOC-002", "DOC-003"]
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", DOCUMENT_CHANGED, uids=uids)
        first = [(await connection.event("1"))["data"]["documentChanged"] for _ in uids]
        assert sorted(document["uid"] for document in first) == sorted(uids)
        assert {d["uid"]: d["latestRevision"]["revision"] for d in first}[DOC] == "B"
        sim.add_revision(DOC, revision="C", maturityState="Released", supersede_previous=True)
        changed = (await connection.event("1"))["data"]["documentChanged"]
        assert changed["uid"] == DOC
        assert changed["latestRevision"]["revision"] == "C"
        await connection.quiet(3 * SHORT)  # the other two did not change


# Cost: one poll per watched resource.


async def test_a_thousand_subscribers_on_a_hundred_documents_cost_a_hundred_polls(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    interval = 10.0
    gateway = start_gateway(gateway_watch_interval=interval)
    documents = CATALOGUE_UIDS[:100]
    async with AsyncExitStack() as stack:
        async with asyncio.TaskGroup() as group:
            for _ in range(10):  # 10 connections of 100 subscriptions, 10 per document
                group.create_task(_subscribed(stack, gateway, documents))
        assert metric(gateway, "gateway_subscriptions_open") == 1000
        assert metric(gateway, "gateway_watchers") == 200  # each document's revision, latest
        assert polls(gateway) == 0, "the set-up took longer than the interval"
        # A change event for every document: each watched resource is checked now, once,
        # and all are next due together, one interval later.
        assert invalidate(gateway.url, {"uids": list(documents)}).status_code == 200
        await until(lambda: polls(gateway) == 200, "the re-check")
        calls_before = sim.stats()["calls"]
        # The next round: one batch, one interval later.
        await until(lambda: polls(gateway) > 200, "a round of polls", 2 * interval)
        assert polls(gateway) == 400
        assert _delta(calls_before, sim.stats()["calls"]) == {
            "GET /api/v1/documents/{doc_uid}/revisions/{revision}": 100,
            "GET /api/v1/documents/{doc_uid}/revisions/latest": 100,
        }
        assert metric(gateway, "gateway_subscription_events_total") == 1000  # nothing changed


async def _subscribed(stack: AsyncExitStack, gateway: Gateway, documents: tuple[str, ...]) -> None:
    """A connection with a subscription per document, each past its first event."""
    connection = await stack.enter_async_context(opened(gateway.url))
    for n, uid in enumerate(documents):
        await connection.subscribe(str(n), ACTUALITY_CHANGED, uid=uid, revision="A")
    for _ in documents:
        message = await connection.receive()
        assert message["type"] == "next", message


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}


@pytest.mark.redis
async def test_two_replicas_on_redis_cost_what_one_costs_and_both_deliver(
    sim: Simulator, redis_url: str
) -> None:
    interval = 1.0
    documents = [DOC, *CATALOGUE_UIDS[:9]]
    revisions = ["B"] + ["A"] * 9  # DOC's B is the one to build from
    make = lambda **more: settings_for(sim.base_url, gateway_cache_url=redis_url, **more)  # noqa: E731
    with gateways(make) as start:
        replicas = [start(gateway_watch_interval=interval) for _ in range(2)]
        async with opened(replicas[0].url) as first, opened(replicas[1].url) as second:
            for connection in (first, second):
                for n, (uid, label) in enumerate(zip(documents, revisions, strict=True)):
                    await connection.subscribe(str(n), ACTUALITY_CHANGED, uid=uid, revision=label)
                for _ in documents:
                    assert (await connection.receive())["type"] == "next"
            # Every watched resource is polled by one replica: the lease holder.
            both = lambda name: sum(metric(r, name) for r in replicas)  # noqa: E731
            await until(lambda: both("gateway_watchers_polled_here") == 20, "leases settled")
            assert both("gateway_watchers") == 40  # each replica watches all 20
            calls_before = sim.calls()
            polls_before = both("gateway_watch_polls_total")
            started = time.monotonic()
            await until(lambda: both("gateway_watch_polls_total") >= polls_before + 60, "rounds")
            rounds = (time.monotonic() - started) / interval
            spent = sim.calls() - calls_before
            # No calls but the polls (a simulator counts a call before the poller counts the
            # poll: a round in flight at either reading may be in one count only).
            assert abs(spent - (both("gateway_watch_polls_total") - polls_before)) <= 20
            # One replica's cost: 20 resources a round; both polling would cost twice that.
            assert spent <= 20 * (rounds + 2), (spent, rounds)
            # A release reaches the subscribers of both replicas.
            sim.add_revision(DOC, revision="C", maturityState="Released", supersede_previous=True)
            for connection in (first, second):
                event = await connection.event("0")
                assert event["data"]["actualityChanged"]["isActual"] is False


# Failures and recovery.


async def test_enovia_down_gives_one_unconfirmed_event_then_the_verdict_again(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(gateway_watch_interval=SHORT, enovia_circuit_reset_timeout=SHORT)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        assert (await first_verdict(connection))["reason"] == "CURRENT"
        sim.faults(down=True)
        verdict = await first_verdict(connection)
        assert verdict["reason"] == "UNCONFIRMED"
        assert verdict["isActual"] is False
        assert verdict["lastKnownReason"] == "CURRENT"
        assert verdict["freshness"] == "STALE"
        failed = metric(gateway, "gateway_watch_polls_total", outcome="failed")
        await until(
            lambda: metric(gateway, "gateway_watch_polls_total", outcome="failed") >= failed + 4,
            "two more failed rounds",
        )
        await connection.quiet(0.1)  # UNCONFIRMED was said once
        sim.faults(down=False)
        verdict = await first_verdict(connection)
        assert verdict["reason"] == "CURRENT"
        assert verdict["freshness"] in {"LIVE", "CACHED"}


async def test_a_client_that_disconnects_releases_its_watchers(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(gateway_watch_interval=SHORT)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        await connection.subscribe("2", DOCUMENT_CHANGED, uids=["DOC-002"])
        await connection.receive()
        await connection.receive()
        assert metric(gateway, "gateway_watchers") == 4
        assert metric(gateway, "gateway_subscriptions_open") == 2
    await until(lambda: metric(gateway, "gateway_watchers") == 0, "watchers released")
    assert metric(gateway, "gateway_subscriptions_open") == 0
    assert metric(gateway, "gateway_websocket_connections") == 0
    calls = sim.calls()
    await asyncio.sleep(3 * SHORT)  # three intervals in which nothing may be polled
    assert sim.calls() == calls


async def test_completing_a_subscription_releases_its_watchers(start_gateway: StartGateway) -> None:
    gateway = start_gateway(gateway_watch_interval=LONG)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        await connection.receive()
        await connection.complete("1")
        await until(lambda: metric(gateway, "gateway_watchers") == 0, "watchers released")


# Authentication, limits, pings, shutdown.


@pytest.fixture
def keyed_gateway(start_gateway: StartGateway) -> Gateway:
    return start_gateway(
        gateway_auth_mode="api-key", gateway_api_keys=CLIENT_KEY, gateway_watch_interval=LONG
    )


async def _closed_with(url: str, payload: dict[str, Any], **kwargs: Any) -> ConnectionClosed:
    async with opened(url, payload, acknowledged=False, **kwargs) as connection:
        with pytest.raises(ConnectionClosed) as closed:
            await connection.receive()
    return closed.value


async def test_a_subscriber_without_credentials_is_refused(keyed_gateway: Gateway) -> None:
    closed = await _closed_with(keyed_gateway.url, {})
    assert closed.rcvd is not None
    assert closed.rcvd.code == 4403
    assert "missing credentials" in closed.rcvd.reason


async def test_a_subscriber_with_a_wrong_key_is_refused_with_the_reason(
    keyed_gateway: Gateway,
) -> None:
    closed = await _closed_with(keyed_gateway.url, {"Authorization": "Bearer not-a-key"})
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (4403, "unknown API key")


@pytest.mark.parametrize(
    ("payload", "headers"),
    [
        ({"Authorization": f"Bearer {CLIENT_KEY}"}, None),
        ({"headers": {"X-API-Key": CLIENT_KEY}}, None),
        ({}, {"X-API-Key": CLIENT_KEY}),
    ],
    ids=["payload", "payload-headers", "handshake-headers"],
)
async def test_a_subscriber_with_a_key_is_served(
    keyed_gateway: Gateway, payload: dict[str, Any], headers: dict[str, str] | None
) -> None:
    async with opened(keyed_gateway.url, payload, headers=headers) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        assert (await first_verdict(connection))["reason"] == "CURRENT"


async def test_subscriptions_beyond_the_limits_are_refused_with_the_reason(
    start_gateway: StartGateway,
) -> None:
    gateway = start_gateway(
        gateway_watch_interval=LONG,
        gateway_max_subscriptions_per_connection=2,
        gateway_max_subscriptions_per_client=3,
    )
    async with opened(gateway.url) as first, opened(gateway.url) as second:
        for n in range(2):
            await first.subscribe(str(n), ACTUALITY_CHANGED, uid=DOC, revision="B")
            await first.receive()
        await first.subscribe("2", ACTUALITY_CHANGED, uid=DOC, revision="B")
        refused = await first.receive()
        assert refused["type"] == "error"
        assert "at most 2 subscriptions per connection" in refused["payload"][0]["message"]
        await second.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        assert (await second.receive())["type"] == "next"
        await second.subscribe("2", ACTUALITY_CHANGED, uid=DOC, revision="B")
        refused = await second.receive()
        assert "at most 3 subscriptions per client" in refused["payload"][0]["message"]
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_only_trusted_documents_run_over_websockets_when_so_configured(
    start_gateway: StartGateway,
) -> None:
    manifest = Path(__file__).resolve().parents[2] / "queries" / "persisted-operations.json"
    gateway = start_gateway(
        gateway_watch_interval=LONG,
        gateway_persisted_manifest=manifest,
        gateway_persisted_only=True,
    )
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        refused = await connection.receive()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_overloaded_process_closes_new_connections_with_the_reason(
    start_gateway: StartGateway,
) -> None:
    gateway = start_gateway(gateway_watch_interval=LONG, gateway_max_subscriptions=1)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        await connection.receive()
        closed = await _closed_with(gateway.url, {})
        assert closed.rcvd is not None
        assert closed.rcvd.code == 1013
        assert "maximum of 1 subscriptions" in closed.rcvd.reason


async def test_idle_connections_are_pinged(start_gateway: StartGateway) -> None:
    gateway = start_gateway(gateway_watch_interval=LONG, gateway_ws_keepalive=0.05)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        await connection.receive()
        with pytest.raises(TimeoutError):
            await connection.receive(timeout=1.0)  # nothing but pings (answered) meanwhile
        assert connection.pings >= 1


async def test_shutdown_closes_subscriptions_with_the_reason(sim: Simulator) -> None:
    settings = settings_for(sim.base_url, gateway_watch_interval=LONG)
    with serve_in_thread(create_app(settings), **uvicorn_options(settings)) as url:
        context = opened(url)
        connection = await context.__aenter__()
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        await connection.receive()
    with pytest.raises(ConnectionClosed) as closed:
        await connection.receive()
    await context.__aexit__(None, None, None)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1012, SHUTDOWN_REASON)


async def test_a_watched_document_is_kept_warm_for_scans(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(gateway_watch_interval=SHORT)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=DOC, revision="B")
        first = await first_verdict(connection)
        rounds = polls(gateway) + 4
        await until(lambda: polls(gateway) >= rounds, "two rounds of polls")
        scan = """query($uid: ID!) { actuality(uid: $uid, revision: "B", maxAge: 5)
                   { reason freshness checkedAt } }"""
        answer = gateway.query(scan, uid=DOC)["data"]["actuality"]
        # From the cache (nothing asked for the scan), as the watcher's polls refreshed it.
        assert (answer["reason"], answer["freshness"]) == ("CURRENT", "CACHED")
        assert answer["checkedAt"] > first["checkedAt"]
        live = gateway.query(scan.replace("maxAge: 5", "maxAge: 0"), uid=DOC)
        assert live["data"]["actuality"]["freshness"] == "LIVE"  # maxAge 0 still asks ENOVIA
