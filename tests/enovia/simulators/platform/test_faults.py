"""Faults set at run time through `/_sim/faults`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import orjson
import pytest

from enovia.simulators.facade import DOC_SUPERSEDED_THEN_RELEASED, MALFORMED_KINDS
from enovia.simulators.facade.model import revision_object_id
from enovia.simulators.platform import (
    CSRF,
    GRAPH,
    SEARCH,
    PlatformSimulatorConfig,
)
from tests.enovia.simulators.expected import SHARED_DEFAULT_FAULTS
from tests.enovia.simulators.platform.conftest import PlatformFactory
from tests.enovia.simulators.platform.helpers import (
    AGENT_ID,
    AGENT_SECRET,
    CONTEXT_HEADERS,
    CSRF_PATH,
    DOCUMENTS_PATH,
    PERSON_PATH,
    TLS,
    Platform,
    basic,
    graph,
    search,
)

DOC = DOC_SUPERSEDED_THEN_RELEASED
DOC_A = revision_object_id(DOC, "A")

DEFAULT_FAULTS: dict[str, object] = {
    **SHARED_DEFAULT_FAULTS,
    "html_error": None,
    "passport_down": False,
    "session_loss_shape": "redirect",
    "search_lag_seconds": 0,
    "csrf_reject_next": 0,
    "graph_max_objects": 50,
    "session_drop_next": 0,
    "transient_reject_next": 0,
    "batch_token_type": "CAS_TRANSIENT",
    "login_redirect": None,
    "graph_omit": [],
    "agent_auth_off": False,
}


@pytest.fixture
def client(platform: Platform) -> httpx.Client:
    return platform.session()


def test_default_faults(platform: Platform) -> None:
    assert platform.admin.get("/_sim/faults").json() == DEFAULT_FAULTS


def test_faults_start_from_the_config(make_platform: PlatformFactory) -> None:
    config = PlatformSimulatorConfig(latency_ms=5, jitter_ms=2, error_rate=0.25, error_status=500)
    faults = make_platform(config).faults()
    assert faults == {
        **DEFAULT_FAULTS,
        "latency_ms": 5,
        "jitter_ms": 2,
        "error_rate": 0.25,
        "error_status": 500,
    }


def test_updates_merge_key_by_key(platform: Platform) -> None:
    platform.faults(search_lag_seconds=5)
    html_error = {"names": [DOC], "endpoints": [CSRF], "rate": 0.5, "status": 200}
    faults = platform.faults(html_error=html_error, rate_limit={"every": 3})
    assert faults == {
        **DEFAULT_FAULTS,
        "search_lag_seconds": 5,
        "html_error": html_error,
        "rate_limit": {"every": 3, "retry_after": 1},
    }
    assert platform.faults(html_error=None)["html_error"] is None
    faults = platform.faults(graph_omit=["B", "A", "B"], login_redirect="/3ddashboard/")
    assert (faults["graph_omit"], faults["login_redirect"]) == (["A", "B"], "/3ddashboard/")
    assert platform.faults(login_redirect=None)["login_redirect"] is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("latency_ms", -1),
        ("jitter_ms", "1"),
        ("wire_delay_ms", True),
        ("error_rate", 2),
        ("error_status", 200),
        ("rate_limit", {"every": 0}),
        ("hang", 1),
        ("down", "yes"),
        ("malformed", {DOC: "broken"}),
        ("html_error", {"status": 302}),
        ("html_error", {"endpoints": ["GET /nowhere"]}),
        ("html_error", {"rate": 1.5}),
        ("html_error", {"names": "DOC-001"}),
        ("html_error", {"colour": "red"}),
        ("passport_down", None),
        ("session_loss_shape", "teapot"),
        ("search_lag_seconds", -5),
        ("csrf_reject_next", -1),
        ("csrf_reject_next", 1.5),
        ("graph_max_objects", 0),
        ("session_drop_next", -1),
        ("session_drop_next", True),
        ("transient_reject_next", "1"),
        ("batch_token_type", ""),
        ("batch_token_type", 5),
        ("login_redirect", "3ddashboard"),
        ("login_redirect", "//elsewhere.example/x"),
        ("login_redirect", "ftp://elsewhere.example/x"),
        ("login_redirect", "/x\r\nSet-Cookie: a=b"),
        ("graph_omit", "DOC-001"),
        ("graph_omit", [1]),
        ("agent_auth_off", "yes"),
        ("no_such_fault", 1),
    ],
)
def test_an_invalid_fault_is_400_naming_it(platform: Platform, key: str, value: Any) -> None:
    response = platform.admin.post("/_sim/faults", json={"down": True, key: value})
    assert response.status_code == 400
    assert key in response.json()["message"]
    # Nothing changed, not even the valid key sent alongside.
    assert platform.faults() == DEFAULT_FAULTS


def test_reset_restores_the_faults(platform: Platform) -> None:
    platform.faults(down=True, session_loss_shape="json_401", graph_max_objects=3)
    platform.admin.post("/_sim/reset")
    assert platform.faults() == DEFAULT_FAULTS


def test_error_rate(platform: Platform, client: httpx.Client) -> None:
    platform.faults(error_rate=1, error_status=502)
    response = search(client, DOC)
    assert response.status_code == 502
    assert response.json() == {"success": False, "statusCode": 502, "error": "Simulated failure"}
    # 3DPassport is not affected, nor is the session gate.
    assert platform.batch_ticket(platform.client()).status_code == 200
    assert platform.client().get(PERSON_PATH).status_code == 302


def test_rate_limit(platform: Platform, client: httpx.Client) -> None:
    platform.faults(rate_limit={"every": 2, "retry_after": 7})
    assert search(client, DOC).status_code == 200
    limited = search(client, DOC)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert limited.json()["statusCode"] == 429
    assert search(client, DOC).status_code == 200


def test_down(platform: Platform, client: httpx.Client) -> None:
    platform.faults(down=True)
    response = search(client, DOC)
    assert response.status_code == 503
    assert response.json()["statusCode"] == 503
    assert platform.batch_ticket(platform.client()).status_code == 503


def test_passport_down_leaves_3dspace_up(platform: Platform, client: httpx.Client) -> None:
    platform.faults(passport_down=True)
    assert search(client, DOC).status_code == 200


def broken_answers(client: httpx.Client) -> list[httpx.Response]:
    return [
        client.get(f"{DOCUMENTS_PATH}/{DOC_A}"),
        search(client, DOC),
        client.post(f"{DOCUMENTS_PATH}/ids", json=DOC_A),
        graph(client, DOC_A),
    ]


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_malformed_answers_about_a_name(
    platform: Platform, client: httpx.Client, kind: str
) -> None:
    platform.faults(malformed={DOC: kind})
    for response in broken_answers(client):
        assert response.status_code == 200
        body = response.content
        if kind == "not_json":
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(body)
        elif kind == "html":
            assert b"An unexpected error has occurred" in body
        elif kind == "empty":
            assert body == b""
        elif kind == "missing_fields":
            assert "data" not in response.json()
            assert "results" not in response.json()
        else:  # wrong_types: the keys are there, their values are not what they should be
            data = response.json()
            if "results" in data:
                assert not isinstance(data["results"][0]["versions"], list)
            else:
                assert not isinstance(data["items"], int)
                assert not isinstance(data["data"][0]["id"], str)
    # Answers about other documents are untouched.
    assert search(client, "DOC-002").json()["items"] == 2


def test_graph_omit_leaves_the_asked_objects_of_a_name_out(
    platform: Platform, client: httpx.Client
) -> None:
    other = revision_object_id("DOC-002", "A")
    platform.faults(graph_omit=[DOC])
    results = graph(client, DOC_A, other, "0" * 32).json()["results"]
    # No result for DOC's object, not even an error; the others are answered.
    assert sorted(r["id"] for r in results) == sorted([other, "0" * 32])
    # The other calls about it are untouched.
    assert client.get(f"{DOCUMENTS_PATH}/{DOC_A}").status_code == 200
    assert search(client, DOC).json()["items"] == 2
    platform.faults(graph_omit=[])
    assert len(graph(client, DOC_A).json()["results"]) == 1


def assert_error_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "An unexpected error has occurred" in response.text
    # Not a login page: a client must not take it for a lost session.
    assert "<form" not in response.text
    assert "3DPassport" not in response.text
    assert "login" not in response.text.lower()


@pytest.mark.parametrize("status", [500, 200])
def test_html_error_by_name(platform: Platform, client: httpx.Client, status: int) -> None:
    platform.faults(html_error={"names": [DOC], "status": status})
    for response in broken_answers(client):
        assert_error_page(response, status)
    assert search(client, "DOC-002").status_code == 200


def test_html_error_by_endpoint(platform: Platform, client: httpx.Client) -> None:
    platform.faults(html_error={"endpoints": [CSRF, GRAPH]})
    assert_error_page(client.get(CSRF_PATH), 500)
    assert_error_page(graph(client, DOC_A), 500)
    assert search(client, DOC).status_code == 200
    platform.faults(html_error={"endpoints": [SEARCH], "status": 503})
    assert_error_page(search(client, DOC), 503)


def test_html_error_by_rate(platform: Platform, client: httpx.Client) -> None:
    platform.faults(html_error={"rate": 1})
    assert_error_page(search(client, "DOC-002"), 500)
    platform.faults(html_error={"rate": 0.5})
    statuses = {search(client, "DOC-002").status_code for _ in range(40)}
    assert statuses == {200, 500}


def test_the_random_faults_repeat_with_the_seed(make_platform: PlatformFactory) -> None:
    def run() -> list[int]:
        platform = make_platform(PlatformSimulatorConfig(seed=7))
        client = platform.session()
        platform.faults(error_rate=0.5)
        return [search(client, DOC).status_code for _ in range(20)]

    assert run() == run()


def test_latency(platform: Platform, client: httpx.Client) -> None:
    platform.faults(latency_ms=40)
    started = time.perf_counter()
    assert search(client, DOC).status_code == 200
    assert time.perf_counter() - started >= 0.04


async def wait_in_flight(platform: Platform, count: int) -> None:
    async with httpx.AsyncClient(base_url=platform.url, verify=TLS) as admin:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if (await admin.get("/_sim/stats")).json()["in_flight"] == count:
                return
            await asyncio.sleep(0.005)
    raise AssertionError(f"never saw {count} calls in flight")


def agent_async_client(platform: Platform, timeout: float = 5) -> httpx.AsyncClient:
    token = platform.agent().headers["ENO_CSRF_TOKEN"]
    headers = {
        "Authorization": basic(AGENT_ID, AGENT_SECRET),
        "ENO_CSRF_TOKEN": token,
        **CONTEXT_HEADERS,
    }
    return httpx.AsyncClient(base_url=platform.url, headers=headers, timeout=timeout, verify=TLS)


async def test_hang_holds_calls_until_cleared(platform: Platform) -> None:
    async with agent_async_client(platform) as client:
        platform.faults(hang=True)
        held = asyncio.ensure_future(client.get(f"{DOCUMENTS_PATH}/{DOC_A}"))
        await wait_in_flight(platform, 1)
        assert not held.done()
        async with httpx.AsyncClient(base_url=platform.url, verify=TLS) as admin:
            await admin.post("/_sim/faults", json={"hang": False})
        response = await asyncio.wait_for(held, 5)
    assert response.status_code == 200


async def test_wire_delay_ends_when_the_client_leaves(platform: Platform) -> None:
    async with agent_async_client(platform, timeout=0.2) as client:
        platform.faults(wire_delay_ms=60_000)
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{DOCUMENTS_PATH}/{DOC_A}")
    await wait_in_flight(platform, 0)
    calls = platform.stats()
    # Counted, but never answered.
    assert calls["calls"]["GET /3dspace/resources/v1/modeler/documents/{id}"] == 1
    assert sum(calls["statuses"].values()) == 1  # the CSRF fetch only


async def test_a_held_post_is_answered_once_released(platform: Platform) -> None:
    async with agent_async_client(platform) as client:
        platform.faults(hang=True)
        held = asyncio.ensure_future(
            client.post(
                "/3dspace/resources/v1/modeler/dslc/version/getGraph",
                json={"data": [{"id": DOC_A}]},
            )
        )
        await wait_in_flight(platform, 1)
        async with httpx.AsyncClient(base_url=platform.url, verify=TLS) as admin:
            await admin.post("/_sim/faults", json={"hang": False})
        response = await asyncio.wait_for(held, 5)
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == DOC_A
