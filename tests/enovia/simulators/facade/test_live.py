"""The simulator over real HTTP (uvicorn in a thread): what a gateway will actually see."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enovia.simulators.facade import (
    DOC_SLASHED_REVISIONS,
    DOC_SUPERSEDED_THEN_RELEASED,
    HOSTILE_UIDS,
    REV_SLASHED_OLD,
    SimulatorConfig,
    create_simulator_app,
    document_path,
)
from gateway.serving import serve_in_thread
from tests.enovia.simulators.facade.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_FORM,
    doc_url,
    seg,
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_in_thread(create_simulator_app()) as url:
        yield url


@pytest.fixture
def live(base_url: str) -> Iterator[httpx.Client]:
    """A client with a token, against a freshly reset live simulator."""
    with httpx.Client(base_url=base_url, timeout=5) as client:
        response = client.post("/oauth2/token", data=TOKEN_FORM)
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        client.post("/_sim/reset")
        yield client
        client.post("/_sim/reset")


def test_token_then_documents(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        response = client.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials", "scope": "read"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
        assert response.status_code == 200
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        url = doc_url(DOC_SUPERSEDED_THEN_RELEASED, "revisions", "latest")
        assert client.get(url, headers=headers).json()["revision"] == "B"
        assert client.get(url).status_code == 401


@pytest.mark.parametrize("uid", HOSTILE_UIDS)
def test_hostile_identifiers_over_real_http(live: httpx.Client, uid: str) -> None:
    assert live.get(doc_url(uid)).json()["id"] == uid
    assert live.get(doc_url(uid, "revisions", "A")).json()["revision"] == "A"
    assert live.get(doc_url(uid, "revisions", "latest")).status_code == 200
    assert live.get("/_sim/stats").json()["calls_by_path"][document_path(uid)] == 1


def test_slashed_revision_over_real_http(live: httpx.Client) -> None:
    body = live.get(doc_url(DOC_SLASHED_REVISIONS, "revisions", REV_SLASHED_OLD)).json()
    assert body["revision"] == REV_SLASHED_OLD


# "." and ".." are left unencoded by quote() and removed by URL normalisation: a client
# must send them as %2E; that is the client's business, not the round trip tested here.
uids = st.text(min_size=1, max_size=24).filter(lambda uid: uid not in (".", ".."))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(uid=uids, label=uids.filter(lambda label: label != "latest"))
def test_any_identifier_round_trips(live: httpx.Client, uid: str, label: str) -> None:
    live.post("/_sim/reset")
    created = live.post(
        f"/_sim/documents/{seg(uid)}/revisions", json={"revision": label, "maturityState": "AFC"}
    )
    assert created.status_code == 201, created.text
    assert live.get(doc_url(uid)).json()["id"] == uid
    assert live.get(doc_url(uid, "revisions", label)).json()["revision"] == label
    assert live.get(doc_url(uid, "revisions", "latest")).json()["revision"] == label


async def in_flight(client: httpx.AsyncClient) -> int:
    count: int = (await client.get("/_sim/stats")).json()["in_flight"]
    return count


async def wait_in_flight(client: httpx.AsyncClient, count: int) -> None:
    deadline = time.monotonic() + 5
    while await in_flight(client) != count:
        assert time.monotonic() < deadline, f"never saw {count} calls in flight"
        await asyncio.sleep(0.005)


async def test_hang_times_a_client_out_and_clearing_releases() -> None:
    with serve_in_thread(create_simulator_app(SimulatorConfig())) as url:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            token = (await client.post("/oauth2/token", data=TOKEN_FORM)).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            await client.post("/_sim/faults", json={"hang": True})

            with pytest.raises(httpx.ReadTimeout):
                await client.get("/api/v1/health", timeout=0.1)
            # The client gave up and closed its connection: the held call ends too.
            await wait_in_flight(client, 0)

            held = asyncio.create_task(client.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED)))
            await wait_in_flight(client, 1)
            await asyncio.sleep(0.02)
            assert not held.done()
            await client.post("/_sim/faults", json={"hang": False})
            response = await held
            assert response.status_code == 200
            stats = (await client.get("/_sim/stats")).json()
            assert stats["calls"]["GET /api/v1/health"] == 1
            assert stats["statuses"] == {"200": 2}  # the token and the released call


async def test_concurrent_calls_with_latency() -> None:
    app = create_simulator_app(SimulatorConfig(latency_ms=200))
    with serve_in_thread(app) as url:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=url, timeout=5, limits=limits) as client:
            token = (await client.post("/oauth2/token", data=TOKEN_FORM)).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            await client.post("/_sim/reset")
            responses = await asyncio.gather(*(client.get(doc_url(f"GEN-{n}")) for n in range(50)))
            assert {r.status_code for r in responses} == {200}
            stats = (await client.get("/_sim/stats")).json()
            assert stats["calls"]["GET /api/v1/documents/{doc_uid}"] == 50
            assert len(stats["calls_by_path"]) == 50
            # Served concurrently, not one after another: many waited out their latency at once.
            assert stats["peak_concurrency"] >= 10
