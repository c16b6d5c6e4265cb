"""The `wire_delay_ms` fault over real HTTP: an answer read at once, then held on the "wire".

The simulator runs in uvicorn in a thread; the tests drive it with an async client so a
call can travel while the admin API changes the data behind it. They synchronise on the
simulator's own `in_flight` counter rather than on sleeps: an API call with no latency is
counted and answered from the data in one step of the simulator's event loop, so once it
shows in flight its answer is already computed and only travelling.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from enovia.simulators.facade import DOC_SUPERSEDED_THEN_RELEASED, create_simulator_app
from gateway.serving import serve_in_thread
from tests.enovia.simulators.facade.helpers import TOKEN_FORM, doc_url, seg

DOC = DOC_SUPERSEDED_THEN_RELEASED  # A Superseded by B, B Released
WIRE_DELAY_MS = 500
# Generous: polling only ends early on success, so a slow machine costs time, not a failure.
DEADLINE_SECONDS = 10.0


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_in_thread(create_simulator_app()) as url:
        yield url


@pytest.fixture
async def sim(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a token against the live simulator, reset before and after."""
    async with httpx.AsyncClient(base_url=base_url, timeout=DEADLINE_SECONDS) as client:
        token = (await client.post("/oauth2/token", data=TOKEN_FORM)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        (await client.post("/_sim/reset")).raise_for_status()
        yield client
        (await client.post("/_sim/reset")).raise_for_status()


async def set_faults(sim: httpx.AsyncClient, **faults: Any) -> None:
    (await sim.post("/_sim/faults", json=faults)).raise_for_status()


async def in_flight(sim: httpx.AsyncClient) -> int:
    count: int = (await sim.get("/_sim/stats")).raise_for_status().json()["in_flight"]
    return count


async def wait_in_flight(sim: httpx.AsyncClient, count: int) -> None:
    """Poll the simulator until *count* API calls are in flight; fail at the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (seen := await in_flight(sim)) != count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{seen} calls in flight after {DEADLINE_SECONDS} s, not {count}")
        await asyncio.sleep(0.005)


Change = Callable[[httpx.AsyncClient], Awaitable[None]]


async def release_revision_c(sim: httpx.AsyncClient) -> None:
    body = {"revision": "C", "maturityState": "Released", "supersede_previous": True}
    (await sim.post(f"/_sim/documents/{seg(DOC)}/revisions", json=body)).raise_for_status()


async def obsolete_revision_b(sim: httpx.AsyncClient) -> None:
    path = f"/_sim/documents/{seg(DOC)}/revisions/B"
    (await sim.patch(path, json={"maturityState": "Obsolete"})).raise_for_status()


async def delete_document(sim: httpx.AsyncClient) -> None:
    (await sim.delete(f"/_sim/documents/{seg(DOC)}")).raise_for_status()


def label(response: httpx.Response) -> object:
    return response.status_code, response.json()["revision"]


def maturity_state(response: httpx.Response) -> object:
    return response.status_code, response.json()["maturityState"]


def status(response: httpx.Response) -> object:
    return response.status_code


@pytest.mark.parametrize(
    ("url", "change", "read", "before", "after"),
    [
        (doc_url(DOC, "revisions", "latest"), release_revision_c, label, (200, "B"), (200, "C")),
        (
            doc_url(DOC, "revisions", "B"),
            obsolete_revision_b,
            maturity_state,
            (200, "Released"),
            (200, "Obsolete"),
        ),
        (doc_url(DOC), delete_document, status, 200, 410),
    ],
    ids=["latest", "revision", "document"],
)
async def test_an_answer_travelling_holds_the_data_read_before_a_change(
    sim: httpx.AsyncClient,
    url: str,
    change: Change,
    read: Callable[[httpx.Response], object],
    before: object,
    after: object,
) -> None:
    await set_faults(sim, wire_delay_ms=WIRE_DELAY_MS)
    started = time.monotonic()
    travelling = asyncio.create_task(sim.get(url))
    await wait_in_flight(sim, 1)
    await change(sim)
    # Still in flight once the change is made: the change happened while the answer travelled.
    assert await in_flight(sim) == 1
    old = await travelling
    assert time.monotonic() - started >= WIRE_DELAY_MS / 1000
    new = await sim.get(url)
    assert (read(old), read(new)) == (before, after)


async def test_health_answers_travel_too_but_tokens_do_not(sim: httpx.AsyncClient) -> None:
    await set_faults(sim, wire_delay_ms=200)
    started = time.monotonic()
    assert (await sim.get("/api/v1/health")).status_code == 200
    assert time.monotonic() - started >= 0.2
    # A delay far beyond the client's timeout: a token answer that waited for it would fail.
    await set_faults(sim, wire_delay_ms=60_000)
    response = await sim.post("/oauth2/token", data=TOKEN_FORM, timeout=5)
    assert response.status_code == 200


async def test_error_answers_travel_too(sim: httpx.AsyncClient) -> None:
    await set_faults(sim, wire_delay_ms=200, down=True)
    started = time.monotonic()
    assert (await sim.get(doc_url(DOC))).status_code == 503
    assert time.monotonic() - started >= 0.2


async def test_a_client_leaving_mid_travel_breaks_nothing(sim: httpx.AsyncClient) -> None:
    # A minute on the wire; the client gives up long before.
    await set_faults(sim, wire_delay_ms=60_000)
    with pytest.raises(httpx.ReadTimeout):
        await sim.get(doc_url(DOC), timeout=httpx.Timeout(5, read=0.2))
    # The simulator notices the disconnect and drops the call well before the minute is up.
    await wait_in_flight(sim, 0)
    stats = (await sim.get("/_sim/stats")).json()
    assert stats["calls"]["GET /api/v1/documents/{doc_uid}"] == 1
    assert stats["statuses"] == {}  # counted, never answered
    await set_faults(sim, wire_delay_ms=0)
    assert (await sim.get(doc_url(DOC))).json()["id"] == DOC


async def test_latency_and_wire_delay_add_up(sim: httpx.AsyncClient) -> None:
    await set_faults(sim, latency_ms=100, wire_delay_ms=100)
    started = time.monotonic()
    assert (await sim.get(doc_url(DOC, "revisions", "B"))).status_code == 200
    assert time.monotonic() - started >= 0.2
