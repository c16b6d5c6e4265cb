"""Call statistics: by endpoint template, by concrete path, concurrency."""

from __future__ import annotations

import asyncio

import httpx

from enovia.simulators.facade import (
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_WITH_SLASH,
    TEMPLATES,
    document_path,
    latest_revision_path,
    revision_path,
)
from tests.enovia.simulators.expected import fresh_stats
from tests.enovia.simulators.facade.helpers import TOKEN_FORM, doc_url, set_faults, stats


async def wait_in_flight(client: httpx.AsyncClient, count: int) -> None:
    for _ in range(1000):
        if (await stats(client))["in_flight"] == count:
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never saw {count} calls in flight")


async def test_fresh_stats_shape(client: httpx.AsyncClient) -> None:
    assert await stats(client) == fresh_stats(TEMPLATES)


async def test_calls_are_counted_by_template_and_path(api: httpx.AsyncClient) -> None:
    uid = DOC_SUPERSEDED_THEN_RELEASED
    await api.get("/api/v1/health")
    await api.get(doc_url(uid))
    await api.get(doc_url(uid))
    await api.get(doc_url(DOC_WITH_SLASH))
    await api.get(doc_url(uid, "revisions", "A"))
    await api.get(doc_url(uid, "revisions", "latest"))
    await api.post("/oauth2/token", data=TOKEN_FORM)
    await api.get("/api/v1/nothing")
    counted = await stats(api)
    assert counted["calls"] == {
        "POST /oauth2/token": 1,
        "GET /api/v1/health": 1,
        "GET /api/v1/documents/{doc_uid}": 3,
        "GET /api/v1/documents/{doc_uid}/revisions/{revision}": 1,
        "GET /api/v1/documents/{doc_uid}/revisions/latest": 1,
        "unmatched": 1,
    }
    assert counted["calls_by_path"] == {
        "/api/v1/health": 1,
        document_path(uid): 2,
        "/api/v1/documents/DOC%2F012": 1,
        revision_path(uid, "A"): 1,
        latest_revision_path(uid): 1,
        "/oauth2/token": 1,
        "/api/v1/nothing": 1,
    }
    assert counted["token_requests"] == 1
    assert counted["total"] == 8
    assert counted["statuses"] == {"200": 7, "404": 1}
    assert counted["in_flight"] == 0
    assert counted["peak_concurrency"] == 1


async def test_paths_are_counted_in_canonical_encoding(api: httpx.AsyncClient) -> None:
    await api.get("/api/v1/documents/DOC%2f012")
    await api.get("/api/v1/documents/%44OC%2F012")
    assert (await stats(api))["calls_by_path"] == {document_path(DOC_WITH_SLASH): 2}


async def test_admin_calls_are_not_counted(api: httpx.AsyncClient) -> None:
    await api.get("/_sim/faults")
    await api.get("/_sim/documents")
    assert (await stats(api))["total"] == 0


async def test_peak_concurrency(api: httpx.AsyncClient) -> None:
    await set_faults(api, hang=True)
    calls = [asyncio.create_task(api.get("/api/v1/health")) for _ in range(5)]
    await wait_in_flight(api, 5)
    await set_faults(api, hang=False)
    assert [response.status_code for response in await asyncio.gather(*calls)] == [200] * 5
    counted = await stats(api)
    assert counted["peak_concurrency"] == 5
    assert counted["in_flight"] == 0


async def test_reset_zeroes_the_stats(api: httpx.AsyncClient) -> None:
    await api.get("/api/v1/health")
    await api.get("/api/v1/health", headers={"Authorization": "Bearer nope"})
    await api.post("/_sim/reset")
    counted = await stats(api)
    assert counted["total"] == 0
    assert counted["unauthorized"] == 0
    assert counted["peak_concurrency"] == 0
    assert counted["calls_by_path"] == {}


async def test_reset_while_calls_are_in_flight(api: httpx.AsyncClient) -> None:
    await set_faults(api, hang=True)
    held = asyncio.create_task(api.get("/api/v1/health"))
    await wait_in_flight(api, 1)
    await api.post("/_sim/reset")  # also releases the held call
    assert (await held).status_code == 200
    counted = await stats(api)
    assert counted["in_flight"] == 0
    assert counted["peak_concurrency"] == 1
    # Counted before the reset: only its status lands after.
    assert counted["total"] == 0
    assert counted["statuses"] == {"200": 1}
