"""The client over real HTTP against the simulator, faults included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from enovia import (
    Gone,
    NotFound,
    UpstreamAuthFailed,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from enovia.facade import FacadeClient
from enovia.simulators.facade import (
    DOC_CYRILLIC,
    DOC_GONE,
    DOC_MISSING,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_WITH_URL_CHARS,
    SimulatorConfig,
    create_simulator_app,
)
from gateway.metrics import Metrics
from gateway.services import facade_client
from gateway.serving import serve_in_thread
from gateway.settings import load_settings

CONFIG = SimulatorConfig(client_id="client-tests", client_secret="client-tests-secret")


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    with serve_in_thread(create_simulator_app(CONFIG)) as url:
        yield url


@pytest.fixture
def admin(simulator_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator_url, timeout=10) as client:
        client.post("/_sim/reset").raise_for_status()
        yield client
        client.post("/_sim/reset").raise_for_status()


async def _no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
async def client(simulator_url: str, admin: httpx.Client) -> AsyncIterator[FacadeClient]:
    settings = load_settings(
        _env_file=None,
        enovia_base_url=simulator_url,
        enovia_client_id=CONFIG.client_id,
        enovia_client_secret=CONFIG.client_secret,
        enovia_timeout=0.5,
    )
    enovia = facade_client(settings, observer=Metrics(), sleep=_no_sleep)
    yield enovia
    await enovia.aclose()


def stats(admin: httpx.Client) -> dict:
    return admin.get("/_sim/stats").raise_for_status().json()


async def test_reads_documents_and_revisions(client: FacadeClient, admin: httpx.Client):
    document = await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)
    assert document.id
    old = await client.get_revision(DOC_SUPERSEDED_THEN_RELEASED, "A")
    latest = await client.get_latest_revision(DOC_SUPERSEDED_THEN_RELEASED)
    assert (old.maturity_state, old.superseded_by) == ("Superseded", "B")
    assert (latest.revision, latest.maturity_state) == ("B", "Released")
    assert stats(admin)["token_requests"] == 1
    assert (await client.check_health()).enovia == "healthy"


@pytest.mark.parametrize("uid", [DOC_CYRILLIC, DOC_WITH_URL_CHARS, "DOC/012", "DOC 011"])
async def test_awkward_identifiers_round_trip(client: FacadeClient, uid: str):
    assert (await client.get_revision(uid, "A")).revision == "A"


async def test_not_found_and_gone(client: FacadeClient):
    with pytest.raises(NotFound):
        await client.get_document(DOC_MISSING)
    with pytest.raises(Gone):
        await client.get_document(DOC_GONE)


async def test_server_errors_are_retried(client: FacadeClient, admin: httpx.Client):
    admin.post("/_sim/faults", json={"down": True})
    with pytest.raises(UpstreamUnavailable):
        await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)
    admin.post("/_sim/faults", json={"down": False})
    assert (await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)).id


async def test_rate_limited_then_served(client: FacadeClient, admin: httpx.Client):
    admin.post("/_sim/faults", json={"rate_limit": {"every": 2, "retry_after": 1}})
    for _ in range(6):
        assert (await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)).id
    assert stats(admin)["calls"]["GET /api/v1/documents/{doc_uid}"] > 6


async def test_a_hanging_enovia_times_out(client: FacadeClient, admin: httpx.Client):
    admin.post("/_sim/faults", json={"hang": True})
    with pytest.raises(UpstreamUnavailable, match="in time"):
        await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)


async def test_revoked_tokens_are_replaced(client: FacadeClient, admin: httpx.Client):
    await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)
    admin.post("/_sim/tokens/revoke").raise_for_status()
    await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)
    assert stats(admin)["token_requests"] == 2


async def test_token_endpoint_down(client: FacadeClient, admin: httpx.Client):
    admin.post("/_sim/faults", json={"token_endpoint_down": True})
    with pytest.raises(UpstreamUnavailable):
        await client.get_document(DOC_SUPERSEDED_THEN_RELEASED)


async def test_wrong_credentials(simulator_url: str, admin: httpx.Client):
    settings = load_settings(
        _env_file=None,
        enovia_base_url=simulator_url,
        enovia_client_id=CONFIG.client_id,
        enovia_client_secret="not-the-secret",
    )
    enovia = facade_client(settings, sleep=_no_sleep)
    try:
        with pytest.raises(UpstreamAuthFailed, match="invalid_client"):
            await enovia.get_document(DOC_SUPERSEDED_THEN_RELEASED)
    finally:
        await enovia.aclose()


@pytest.mark.parametrize("kind", ["not_json", "html", "empty", "wrong_types", "missing_fields"])
async def test_malformed_answers(client: FacadeClient, admin: httpx.Client, kind: str):
    admin.post("/_sim/faults", json={"malformed": {DOC_SUPERSEDED_THEN_RELEASED: kind}})
    with pytest.raises(UpstreamBadResponse):
        await client.get_revision(DOC_SUPERSEDED_THEN_RELEASED, "B")
