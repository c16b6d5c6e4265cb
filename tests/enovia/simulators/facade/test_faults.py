"""Faults set at run time through `/_sim/faults`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from enovia.simulators.facade import (
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
    MALFORMED_KINDS,
    SimulatorConfig,
    SimulatorState,
    create_simulator_app,
)
from tests.enovia.simulators.expected import SHARED_DEFAULT_FAULTS
from tests.enovia.simulators.facade.helpers import TOKEN_FORM, doc_url, get_token, set_faults, stats
from tests.enovia.simulators.facade.test_stats import wait_in_flight

DEFAULT_FAULTS: dict[str, object] = {
    **SHARED_DEFAULT_FAULTS,
    "token_ttl": 3600,
    "token_endpoint_down": False,
}

DOC = DOC_SUPERSEDED_THEN_RELEASED
DOC_URLS = (doc_url(DOC), doc_url(DOC, "revisions", "A"), doc_url(DOC, "revisions", "latest"))


async def test_default_faults(client: httpx.AsyncClient) -> None:
    assert (await client.get("/_sim/faults")).json() == DEFAULT_FAULTS


async def test_faults_start_from_the_config() -> None:
    config = SimulatorConfig(latency_ms=5, jitter_ms=2, error_rate=0.25, error_status=500)
    app = create_simulator_app(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sim"
    ) as client:
        faults = (await client.get("/_sim/faults")).json()
    assert faults == {
        **DEFAULT_FAULTS,
        "latency_ms": 5,
        "jitter_ms": 2,
        "error_rate": 0.25,
        "error_status": 500,
    }


async def test_updates_merge_key_by_key(client: httpx.AsyncClient) -> None:
    await set_faults(client, latency_ms=1)
    faults = await set_faults(client, error_rate=0.5, malformed={DOC: "html"}, wire_delay_ms=2.5)
    assert faults == {
        **DEFAULT_FAULTS,
        "latency_ms": 1,
        "wire_delay_ms": 2.5,
        "error_rate": 0.5,
        "malformed": {DOC: "html"},
    }
    assert (await client.get("/_sim/faults")).json() == faults


async def test_reset_restores_the_faults(client: httpx.AsyncClient) -> None:
    await set_faults(client, down=True, rate_limit={"every": 2}, token_ttl=1, wire_delay_ms=5)
    await client.post("/_sim/reset")
    assert (await client.get("/_sim/faults")).json() == DEFAULT_FAULTS


@pytest.mark.parametrize(
    ("update", "named"),
    [
        ({"latency": 5}, "'latency'"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"latency_ms": "5"}, "latency_ms"),
        ({"latency_ms": True}, "latency_ms"),
        ({"jitter_ms": None}, "jitter_ms"),
        ({"wire_delay_ms": -1}, "wire_delay_ms"),
        ({"wire_delay_ms": "500"}, "wire_delay_ms"),
        ({"wire_delay_ms": False}, "wire_delay_ms"),
        ({"error_rate": 1.5}, "error_rate"),
        ({"error_rate": "0.1"}, "error_rate"),
        ({"error_status": 200}, "error_status"),
        ({"error_status": 503.0}, "error_status"),
        ({"rate_limit": 5}, "rate_limit"),
        ({"rate_limit": {"every": 0}}, "rate_limit.every"),
        ({"rate_limit": {"retry_after": 1}}, "rate_limit.every"),
        ({"rate_limit": {"every": 2, "retry_after": -1}}, "rate_limit.retry_after"),
        ({"rate_limit": {"every": 2, "retry_after": 1.5}}, "rate_limit.retry_after"),
        ({"rate_limit": {"every": 2, "burst": 1}}, "'burst'"),
        ({"hang": 1}, "hang"),
        ({"down": "true"}, "down"),
        ({"token_endpoint_down": None}, "token_endpoint_down"),
        ({"malformed": ["DOC-001"]}, "malformed"),
        ({"malformed": {"DOC-001": "garbage"}}, "malformed['DOC-001']"),
        ({"token_ttl": 0}, "token_ttl"),
        ({"token_ttl": "1"}, "token_ttl"),
    ],
)
async def test_invalid_updates_are_400_and_change_nothing(
    client: httpx.AsyncClient, update: dict[str, Any], named: str
) -> None:
    response = await client.post("/_sim/faults", json={"down": True, **update})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert named in response.json()["message"]
    assert (await client.get("/_sim/faults")).json() == DEFAULT_FAULTS


@pytest.mark.parametrize("body", [b"[]", b"not json", b"", b"null"])
async def test_fault_body_must_be_a_json_object(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/_sim/faults", content=body)
    assert response.status_code == 400


async def test_latency_delays_api_and_token_answers(api: httpx.AsyncClient) -> None:
    await set_faults(api, latency_ms=15)
    for call in (api.get("/api/v1/health"), api.post("/oauth2/token", data=TOKEN_FORM)):
        started = time.perf_counter()
        response = await call
        assert response.status_code == 200
        assert time.perf_counter() - started >= 0.015
    started = time.perf_counter()
    await api.get("/_sim/stats")
    assert time.perf_counter() - started < 0.015


def test_jitter_is_deterministic_per_seed() -> None:
    def delays(seed: int) -> list[float]:
        config = SimulatorConfig(latency_ms=20, jitter_ms=10, seed=seed)
        state: SimulatorState = create_simulator_app(config).state.simulator
        return [state.delay() for _ in range(20)]

    first = delays(1)
    assert first == delays(1)
    assert first != delays(2)
    assert all(0.020 <= delay <= 0.030 for delay in first)
    assert len(set(first)) == 20


async def test_error_rate_one_fails_every_api_call(api: httpx.AsyncClient) -> None:
    await set_faults(api, error_rate=1, error_status=500)
    response = await api.get("/api/v1/health")
    assert response.status_code == 500
    assert response.json()["error"] == "simulated_error"
    # Only API answers: the token endpoint and the admin API keep working.
    assert (await api.post("/oauth2/token", data=TOKEN_FORM)).status_code == 200
    assert (await api.get("/_sim/stats")).status_code == 200


async def error_sequence(seed: int) -> list[int]:
    app = create_simulator_app(SimulatorConfig(error_rate=0.5, seed=seed))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        headers = {"Authorization": f"Bearer {await get_token(client)}"}
        return [
            (await client.get("/api/v1/health", headers=headers)).status_code for _ in range(40)
        ]


async def test_error_rate_is_deterministic_per_seed() -> None:
    first = await error_sequence(7)
    assert first == await error_sequence(7)
    assert set(first) == {200, 503}
    assert first != await error_sequence(8)


async def test_reset_restarts_the_random_sequence(api: httpx.AsyncClient) -> None:
    async def run() -> list[int]:
        await set_faults(api, error_rate=0.5)
        return [(await api.get("/api/v1/health")).status_code for _ in range(20)]

    first = await run()
    await api.post("/_sim/reset")
    assert await run() == first


async def test_rate_limit_answers_429_every_nth_call(api: httpx.AsyncClient) -> None:
    await set_faults(api, rate_limit={"every": 3, "retry_after": 7})
    responses = [await api.get("/api/v1/health") for _ in range(6)]
    assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 429]
    assert responses[2].headers["retry-after"] == "7"
    assert responses[2].json()["error"] == "rate_limited"
    # Setting it again starts the count afresh; null turns it off.
    await set_faults(api, rate_limit={"every": 2})
    statuses = [(await api.get("/api/v1/health")).status_code for _ in range(2)]
    assert statuses == [200, 429]
    await set_faults(api, rate_limit=None)
    assert [(await api.get("/api/v1/health")).status_code for _ in range(3)] == [200] * 3


async def test_rate_limit_does_not_touch_the_token_endpoint(api: httpx.AsyncClient) -> None:
    await set_faults(api, rate_limit={"every": 1, "retry_after": 0})
    assert (await api.post("/oauth2/token", data=TOKEN_FORM)).status_code == 200
    response = await api.get("/api/v1/health")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "0"


async def test_down_answers_503_to_api_and_token_calls(api: httpx.AsyncClient) -> None:
    await set_faults(api, down=True)
    for response in (
        await api.get("/api/v1/health"),
        await api.get(doc_url(DOC)),
        await api.get("/api/v1/health", headers={"Authorization": ""}),
        await api.post("/oauth2/token", data=TOKEN_FORM),
    ):
        assert response.status_code == 503
        assert response.json() == {"error": "unavailable"}
    assert (await api.get("/_sim/faults")).json()["down"] is True
    await set_faults(api, down=False)
    assert (await api.get("/api/v1/health")).status_code == 200


async def test_token_endpoint_down(api: httpx.AsyncClient) -> None:
    await set_faults(api, token_endpoint_down=True)
    response = await api.post("/oauth2/token", data=TOKEN_FORM)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    # Tokens already issued keep working.
    assert (await api.get("/api/v1/health")).status_code == 200


async def test_malformed_not_json(api: httpx.AsyncClient) -> None:
    await set_faults(api, malformed={DOC: "not_json"})
    for url in DOC_URLS:
        response = await api.get(url)
        assert response.status_code == 200
        assert response.content == b"{not json"
        with pytest.raises(ValueError, match="Expecting"):
            response.json()


async def test_malformed_html(api: httpx.AsyncClient) -> None:
    await set_faults(api, malformed={DOC: "html"})
    for url in DOC_URLS:
        response = await api.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.startswith("<!DOCTYPE html>")


async def test_malformed_empty(api: httpx.AsyncClient) -> None:
    await set_faults(api, malformed={DOC: "empty"})
    for url in DOC_URLS:
        response = await api.get(url)
        assert response.status_code == 200
        assert response.content == b""


async def test_malformed_wrong_types(api: httpx.AsyncClient) -> None:
    await set_faults(api, malformed={DOC: "wrong_types"})
    document = (await api.get(DOC_URLS[0])).json()
    assert document["title"] == 123
    for url in DOC_URLS[1:]:
        revision = (await api.get(url)).json()
        assert revision["pages"] == "ten"
        assert revision["maturityState"] == 5
        assert not isinstance(revision["revision"], str)


async def test_malformed_missing_fields(api: httpx.AsyncClient) -> None:
    await set_faults(api, malformed={DOC: "missing_fields"})
    assert (await api.get(DOC_URLS[0])).json() == {}
    for url in DOC_URLS[1:]:
        revision = (await api.get(url)).json()
        assert not {"id", "revision", "maturityState"} & set(revision)


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_malformed_touches_only_that_document(api: httpx.AsyncClient, kind: str) -> None:
    await set_faults(api, malformed={DOC: kind})
    other = await api.get(doc_url(DOC_RELEASED_THEN_IN_WORK))
    assert other.json()["id"] == DOC_RELEASED_THEN_IN_WORK
    assert (await api.get("/api/v1/health")).json()["status"] == "ok"
    await set_faults(api, malformed=None)
    assert (await api.get(DOC_URLS[0])).json()["id"] == DOC


async def test_malformed_still_needs_a_token(client: httpx.AsyncClient) -> None:
    await set_faults(client, malformed={DOC: "html"})
    assert (await client.get(DOC_URLS[0])).status_code == 401


async def test_hang_holds_api_calls_until_cleared(api: httpx.AsyncClient) -> None:
    await set_faults(api, hang=True)
    held = asyncio.create_task(api.get(doc_url(DOC)))
    await wait_in_flight(api, 1)
    await asyncio.sleep(0.01)
    assert not held.done()
    # The token endpoint is not held.
    assert (await api.post("/oauth2/token", data=TOKEN_FORM)).status_code == 200
    await set_faults(api, hang=False)
    assert (await held).json()["id"] == DOC


async def test_hang_set_twice_still_releases(api: httpx.AsyncClient) -> None:
    await set_faults(api, hang=True)
    held = asyncio.create_task(api.get("/api/v1/health"))
    await wait_in_flight(api, 1)
    await set_faults(api, hang=True, latency_ms=0)
    await set_faults(api, hang=False)
    assert (await held).status_code == 200


async def test_reset_releases_held_calls(api: httpx.AsyncClient) -> None:
    await set_faults(api, hang=True)
    held = [asyncio.create_task(api.get("/api/v1/health")) for _ in range(3)]
    await wait_in_flight(api, 3)
    await api.post("/_sim/reset")
    assert [r.status_code for r in await asyncio.gather(*held)] == [200] * 3


async def test_shutdown_releases_held_calls(app: Starlette, api: httpx.AsyncClient) -> None:
    await set_faults(api, hang=True)
    held = asyncio.create_task(api.get("/api/v1/health"))
    await wait_in_flight(api, 1)
    app.state.simulator.shutdown()
    assert (await held).status_code == 200


async def test_faults_never_apply_to_the_admin_api(api: httpx.AsyncClient) -> None:
    await set_faults(
        api,
        down=True,
        hang=True,
        error_rate=1,
        latency_ms=50,
        rate_limit={"every": 1},
        token_endpoint_down=True,
    )
    started = time.perf_counter()
    for path in ("/_sim/stats", "/_sim/faults", "/_sim/documents", "/_sim/"):
        assert (await api.get(path)).status_code == 200
    assert time.perf_counter() - started < 0.05
    assert (await stats(api))["total"] == 0
    await api.post("/_sim/reset")
