"""Never "current" for a drawing ENOVIA replaced: every way the first version could be made to
say so, tried again over real HTTP against the simulator (its admin API replaces revisions
while the gateway runs; `wire_delay_ms` holds answers on the wire after the data was read);
the races run once per upstream (`testbed`: the facade, the 3DEXPERIENCE platform),
with real Redis and a second gateway process under libfaketime where the case needs them.

Each test counts the scans it made after the change and asserts that none said CURRENT; the
counts are printed as figures (`-s`)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PATIENT_REDIS_TIMEOUT, RedisServer
from tests.gateway.conftest import SIM_CONFIG, Gateway, Simulator, StartGateway, invalidate
from tests.gateway.testbeds import Testbed
from tests.processes import gateway_process, require_libfaketime, set_fake_time

SCAN = """query($uid: ID!, $revision: String!, $maxAge: Int) {
  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {
    isActual reason lastKnownReason freshness checkedAt
    businessStatus { code }
    revision { isActual businessStatus { code } }
    latestRevision { revision isActual freshness }
  }
}"""

DOCUMENT = """query($uid: ID!, $revision: String!) {
  document(uid: $uid) {
    latestRevision { revision isActual businessStatus { code } freshness }
    revision(revision: $revision) { isActual businessStatus { code } freshness }
  }
}"""

#: How long the simulator holds each answer on the wire in the race tests.
WIRE_DELAY_MS = 1000
DEADLINE = 10.0


def scan(gateway: Gateway | str, uid: str, revision: str, max_age: int | None = 0) -> Any:
    url = gateway if isinstance(gateway, str) else gateway.url
    response = httpx.post(
        f"{url}/graphql",
        json={"query": SCAN, "variables": {"uid": uid, "revision": revision, "maxAge": max_age}},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["actuality"]


def said_current(verdict: dict[str, Any]) -> bool:
    """Whether any part of a verdict tells a site to build from the revision."""
    return (
        verdict["isActual"]
        or verdict["reason"] == "CURRENT"
        or verdict["businessStatus"]["code"]
        in {"APPROVED_FOR_CONSTRUCTION", "ACCEPTED_BY_CUSTOMER"}
        or bool(verdict["revision"] and verdict["revision"]["isActual"])
    )


def figure(text: str) -> None:
    print(f"\n    [figure] {text}")


def release(sim: Simulator, uid: str, label: str, *, supersede: bool = True) -> float:
    """Release revision `label` of `uid` in ENOVIA; returns when (wall clock)."""
    sim.add_revision(uid, revision=label, maturityState="Released", supersede_previous=supersede)
    return time.time()


def changed_by(testbed: Testbed, uid: str, label: str) -> float:
    """Release a new revision `label` of `uid` in the testbed's upstream; returns when."""
    testbed.release_new(uid, label)
    return time.time()


def signed_in(*gateways: Gateway) -> None:
    """Each gateway has logged in already (the platform's login calls are not the race's)."""
    for gateway in gateways:
        gateway.query('{ document(uid: "GEN-1") { uid } }')


def wait_until_in_flight(sim: Any, count: int = 1) -> None:
    deadline = time.monotonic() + DEADLINE
    while sim.stats()["in_flight"] < count:
        assert time.monotonic() < deadline, "the call never reached the simulator"
        time.sleep(0.005)  # polling the simulator's counter, not waiting for a retry


@contextmanager
def in_background(fn: Any, *args: Any) -> Iterator[list[Any]]:
    """Run `fn(*args)` in a thread; yields the list its result lands in (joined on exit)."""
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(fn(*args)), daemon=True)
    thread.start()
    try:
        yield results
    finally:
        thread.join(timeout=30)
    assert results, "the background request never answered"


def at(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


# --- the label and the verdict agree --------------------------------------------------------


def test_a_revision_shows_the_same_verdict_wherever_it_appears(gateway: Gateway, sim: Simulator):
    uid = "SAFE-LABEL"
    release(sim, uid, "A")
    assert scan(gateway, uid, "A")["reason"] == "CURRENT"
    release(sim, uid, "B", supersede=False)  # A stays Released and unmarked: B is newer
    verdict = scan(gateway, uid, "A", max_age=None)
    assert verdict["reason"] == "NEWER_REVISION_RELEASED"
    assert verdict["businessStatus"]["code"] == "CHANGES_INTRODUCED_GET_NEW"
    assert verdict["revision"] == {
        "isActual": False,
        "businessStatus": {"code": "CHANGES_INTRODUCED_GET_NEW"},
    }
    document = gateway.query(DOCUMENT, uid=uid, revision="A")["data"]["document"]
    assert document["revision"]["isActual"] is False
    assert document["revision"]["businessStatus"]["code"] == "CHANGES_INTRODUCED_GET_NEW"
    assert document["latestRevision"]["revision"] == "B"
    assert document["latestRevision"]["isActual"] is True
    assert document["latestRevision"]["businessStatus"]["code"] == "APPROVED_FOR_CONSTRUCTION"


# --- never "current" on data ENOVIA did not confirm ----------------------------------------


@pytest.mark.parametrize("fault", ["down", "503", "hang"])
def test_stale_data_is_never_current(start_gateway: StartGateway, sim: Simulator, fault: str):
    gateway = start_gateway(gateway_request_timeout=1, gateway_cache_ttl_latest=0)
    uid = "DOC-001"
    assert scan(gateway, uid, "B")["reason"] == "CURRENT"
    faults = {"down": {"down": True}, "503": {"error_rate": 1.0}, "hang": {"hang": True}}[fault]
    sim.faults(**faults)
    tried = 5
    verdicts = [scan(gateway, uid, "B") for _ in range(tried)]
    sim.faults(down=False, error_rate=0, hang=False)
    for verdict in verdicts:
        assert verdict["reason"] == "UNCONFIRMED"
        assert verdict["lastKnownReason"] == "CURRENT"
        assert verdict["freshness"] == "STALE"
        assert verdict["businessStatus"]["code"] == "UNKNOWN"
    assert not any(said_current(verdict) for verdict in verdicts)
    figure(f"ENOVIA {fault}: {tried} scans on STALE data, 0 said CURRENT (all UNCONFIRMED)")


def test_a_revision_on_stale_data_is_not_actual_anywhere(
    start_gateway: StartGateway, sim: Simulator
):
    gateway = start_gateway(gateway_cache_ttl_latest=0, gateway_cache_ttl_revision=0)
    uid = "DOC-001"
    gateway.query(DOCUMENT, uid=uid, revision="B")
    sim.faults(down=True)
    result = gateway.query(DOCUMENT, uid=uid, revision="B")
    sim.faults(down=False)
    document = result["data"]["document"]
    for revision in (document["latestRevision"], document["revision"]):
        assert revision["freshness"] == "STALE"
        assert revision["isActual"] is False
        assert revision["businessStatus"]["code"] == "UNKNOWN"


# --- freshness that no race can fake ----------------------------------------------------------


def test_a_scan_made_after_a_change_never_shares_a_fetch_sent_before_it(testbed: Testbed):
    gateway = testbed.start(gateway_share_window=0.1)
    signed_in(gateway)
    tried = wrong = 0
    for attempt in range(3):
        uid = f"SAFE-WIRE-{attempt}"
        changed_by(testbed, uid, "A")
        testbed.sim.faults(wire_delay_ms=WIRE_DELAY_MS)
        with in_background(scan, gateway, uid, "A") as early:
            wait_until_in_flight(testbed.sim)
            changed = changed_by(testbed, uid, "B")  # while the first answer travels
            time.sleep(0.4)  # a scan arrives 0.4 s after the change (past the share window)
            late = scan(gateway, uid, "A")
        testbed.sim.faults(wire_delay_ms=0)
        tried += 1
        wrong += said_current(late)
        assert late["reason"] == "SUPERSEDED"
        assert at(late["checkedAt"]) > changed
        # The early scan's answer is honestly as old as it is: from its own fetch, sent
        # before the change; or, where a fetch sent later landed first (the platform's read
        # the change and needed one more call), from that later one, with the change in it.
        before = at(early[0]["checkedAt"]) < changed
        assert before or early[0]["reason"] == "SUPERSEDED"
    assert wrong == 0
    figure(
        f"{testbed}: 1 s on the wire: {tried} scans made 0.4 s after the change, "
        f"{wrong} said CURRENT"
    )


@pytest.mark.redis
def test_a_replica_never_waits_for_another_replicas_fetch_sent_before_its_request(
    testbed: Testbed, redis_url: str
):
    settings = {
        "gateway_cache_url": redis_url,
        "gateway_cache_timeout": PATIENT_REDIS_TIMEOUT,
        "gateway_share_window": 0.1,
    }
    first, second = testbed.start(**settings), testbed.start(**settings)
    signed_in(first, second)
    uid = "SAFE-LOCK"
    changed_by(testbed, uid, "A")
    testbed.sim.faults(wire_delay_ms=WIRE_DELAY_MS)
    with in_background(scan, first, uid, "A"):
        wait_until_in_flight(testbed.sim)
        changed = changed_by(testbed, uid, "B")
        time.sleep(0.5)
        late = scan(second, uid, "A")  # the first replica holds the key's lock meanwhile
    testbed.sim.faults(wire_delay_ms=0)
    assert not said_current(late)
    assert at(late["checkedAt"]) > changed


@pytest.mark.parametrize("shared", [False, True], ids=["memory", "redis"])
def test_an_invalidation_made_while_a_fetch_travels_sticks(
    testbed: Testbed, request: pytest.FixtureRequest, shared: bool
):
    settings: dict[str, Any] = {"gateway_share_window": 0.1}
    if shared:
        settings["gateway_cache_url"] = request.getfixturevalue("redis_url")
        settings["gateway_cache_timeout"] = PATIENT_REDIS_TIMEOUT
    gateway = testbed.start(**settings)
    other = testbed.start(**settings) if shared else gateway
    signed_in(gateway, other)
    uid = "SAFE-INVALIDATE"
    changed_by(testbed, uid, "A")
    testbed.sim.faults(wire_delay_ms=WIRE_DELAY_MS)
    with in_background(scan, gateway, uid, "A", 60):
        wait_until_in_flight(testbed.sim)
        changed_by(testbed, uid, "B")
        answer = invalidate(gateway.url, {"uids": [uid]})
        assert answer.status_code == 200, answer.text
        during = scan(other, uid, "A", 60)
    after = [scan(server, uid, "A", 60) for server in (gateway, other)]
    testbed.sim.faults(wire_delay_ms=0)
    document = other.query(DOCUMENT, uid=uid, revision="A")["data"]["document"]
    assert not said_current(during)
    assert not any(said_current(verdict) for verdict in after)
    assert document["revision"]["isActual"] is False
    assert document["latestRevision"]["revision"] == "B"


# --- freshness that no clock can fake ----------------------------------------------------------


def gateway_env(sim: Simulator, **settings: str) -> dict[str, str]:
    return {
        "ENOVIA_BASE_URL": sim.base_url,
        "ENOVIA_CLIENT_ID": SIM_CONFIG.client_id,
        "ENOVIA_CLIENT_SECRET": SIM_CONFIG.client_secret,
        "GATEWAY_HEALTH_CHECK_INTERVAL": "0",
        "GATEWAY_LOG_LEVEL": "WARNING",
        **settings,
    }


@pytest.mark.redis
def test_a_replica_whose_clock_is_5_s_behind_never_says_current_after_a_change(
    start_gateway: StartGateway, sim: Simulator, redis_url: str
):
    require_libfaketime()
    fast = start_gateway(gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT)
    env = gateway_env(
        sim,
        GATEWAY_CACHE_URL=redis_url,
        GATEWAY_CACHE_TIMEOUT=str(PATIENT_REDIS_TIMEOUT),
        GATEWAY_SHARE_WINDOW="0",
    )
    uid = "SAFE-SKEW"
    tried = wrong = 0
    with gateway_process(env, faketime="-5s") as slow:
        for round_ in range(10):
            label, newer = f"R{round_}", f"R{round_ + 1}"
            if round_ == 0:
                release(sim, uid, label)
            assert scan(fast, uid, label)["reason"] == "CURRENT"  # stamped by the fast one
            release(sim, uid, newer)
            for server in (slow.url, slow.url, fast):
                verdict = scan(server, uid, label)
                tried += 1
                wrong += said_current(verdict)
                assert verdict["reason"] == "SUPERSEDED", verdict
            assert scan(slow.url, uid, newer)["reason"] == "CURRENT"
    assert wrong == 0
    figure(f"replicas' clocks 5 s apart: {tried} scans after a change, {wrong} said CURRENT")


def test_a_clock_stepping_back_never_makes_an_entry_fresher(sim: Simulator, tmp_path: Path):
    require_libfaketime()
    clock = tmp_path / "clock"
    set_fake_time(clock, "+0")
    uid = "SAFE-STEP"
    release(sim, uid, "A")
    tried = wrong = 0
    with gateway_process(gateway_env(sim, GATEWAY_SHARE_WINDOW="0"), faketime_file=clock) as gw:
        label = "A"
        for round_, step in enumerate(["-10s", "-20s", "-30s"]):
            newer = f"N{round_}"
            assert scan(gw.url, uid, label)["reason"] == "CURRENT"
            set_fake_time(clock, step)  # NTP steps the wall clock back
            release(sim, uid, newer)
            verdict = scan(gw.url, uid, label)
            tried += 1
            wrong += said_current(verdict)
            assert verdict["freshness"] == "LIVE"
            assert verdict["reason"] == "SUPERSEDED"
            label = newer
    assert wrong == 0
    figure(f"wall clock stepped back 3 times: {tried} scans after a change, {wrong} said CURRENT")


# --- invalidation that sticks, or says it did not -------------------------------------------


@pytest.mark.redis
def test_an_invalidation_with_redis_frozen_fails_loudly(
    start_gateway: StartGateway, redis_server: RedisServer, redis_url: str
):
    gateway = start_gateway(gateway_cache_url=redis_url)
    assert scan(gateway, "DOC-001", "B", max_age=None)["reason"] == "CURRENT"
    process = redis_server.process
    assert process is not None
    os.kill(process.pid, signal.SIGSTOP)
    try:
        answer = invalidate(gateway.url, {"uids": ["DOC-001"]})
    finally:
        os.kill(process.pid, signal.SIGCONT)
    assert answer.status_code == 503
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "CACHE_UNAVAILABLE"
    assert "send the invalidation again" in error["message"]
    deadline = time.monotonic() + DEADLINE
    while True:  # Redis rests a second after a failure; then the retry succeeds
        again = invalidate(gateway.url, {"uids": ["DOC-001"]})
        if again.status_code == 200:
            break
        assert time.monotonic() < deadline, again.text
        time.sleep(0.1)  # waiting for Redis to be tried again, as a sender's retry would


# --- one response, one value per resource --------------------------------------------------------


def test_one_response_holds_one_value_per_resource(gateway: Gateway, sim: Simulator):
    uid = "SAFE-ONE"
    release(sim, uid, "A")
    both = """query($uid: ID!) {
      document(uid: $uid) { latestRevision { revision freshness } }
      actuality(uid: $uid, revision: "A", maxAge: 0) {
        reason latestRevision { revision freshness }
      }
    }"""
    gateway.query(both, uid=uid)  # caches the document's latest revision (A)
    release(sim, uid, "B")
    answer = gateway.query(both, uid=uid)["data"]
    assert answer["document"]["latestRevision"] == {"revision": "B", "freshness": "LIVE"}
    assert answer["actuality"]["latestRevision"] == {"revision": "B", "freshness": "LIVE"}
    assert answer["actuality"]["reason"] == "SUPERSEDED"


def test_every_part_of_a_verdict_obeys_its_max_age(gateway: Gateway, sim: Simulator):
    gateway.query('{ document(uid: "DOC-001") { uid } }')  # the document, cached
    verdict = scan(gateway, "DOC-001", "Z")
    assert verdict["reason"] == "REVISION_NOT_FOUND"
    assert verdict["freshness"] == "LIVE"


def test_a_deleted_document_is_said_to_be_deleted(gateway: Gateway):
    result = gateway.query(
        '{ actuality(uid: "DOC-GONE", revision: "A") { reason latestRevision { revision } } }'
    )
    assert result["data"]["actuality"]["reason"] == "DOCUMENT_NOT_FOUND"
    messages = {error["message"] for error in result["errors"]}
    assert messages == {"document 'DOC-GONE' was deleted in ENOVIA"}
