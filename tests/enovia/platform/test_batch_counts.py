"""What many documents cost: one search per name, one getGraph per 50 documents, one
documents/ids per 50 revisions, whether asked of the client directly or through the
gateway's dataloaders and store."""

from __future__ import annotations

import asyncio
import math

from enovia.platform import PlatformClient
from loaders import MemoryCache, ResourceStore, StoreSettings
from loaders.dataloaders import RequestLoaders
from tests.enovia.platform.conftest import ClientFactory, Simulator, batch_login

NAMES = [f"PTE-{n:04d}" for n in range(1, 101)]


def expected_ids_calls(sim: Simulator) -> int:
    revisions = sum(len(sim.document(name)["revisions"]) for name in NAMES)
    assert revisions > 100  # several revisions per document: the ids calls are counted
    return math.ceil(revisions / 50)


def data_calls(sim: Simulator) -> tuple[int, int, int]:
    calls = sim.stats()["calls"]
    return (
        calls["GET /3dspace/resources/v1/modeler/documents/search"],
        calls["POST /3dspace/resources/v1/modeler/dslc/version/getGraph"],
        calls["POST /3dspace/resources/v1/modeler/documents/ids"],
    )


async def started(make_client: ClientFactory) -> PlatformClient:
    made = make_client(batch_login(), security_context="VPLMViewer.Company Name.Common Space")
    await made.client.start()
    return made.client


async def test_a_hundred_documents_with_their_latest_revisions(
    make_client: ClientFactory, sim: Simulator
):
    ids_calls = expected_ids_calls(sim)
    client = await started(make_client)
    documents, latest = await asyncio.gather(
        asyncio.gather(*map(client.get_document, NAMES)),
        asyncio.gather(*map(client.get_latest_revision, NAMES), return_exceptions=True),
    )
    assert [d.number for d in documents] == NAMES
    assert sum(1 for r in latest if not isinstance(r, Exception)) > 50
    assert data_calls(sim) == (100, 2, ids_calls)


async def test_many_at_once_through_get_documents(make_client: ClientFactory, sim: Simulator):
    ids_calls = expected_ids_calls(sim)
    client = await started(make_client)
    found = await client.get_documents(NAMES + NAMES[:10])
    assert sorted(found) == sorted(NAMES)
    assert data_calls(sim) == (100, 2, ids_calls)


async def test_through_the_gateways_dataloaders_and_store(
    make_client: ClientFactory, sim: Simulator
):
    ids_calls = expected_ids_calls(sim)
    client = await started(make_client)
    store = ResourceStore(MemoryCache(10_000), StoreSettings())
    loaders = RequestLoaders(store, client)
    documents = [loaders.document(name) for name in NAMES]
    latest = [loaders.latest(name) for name in NAMES]
    revisions = [loaders.revision(name, "A") for name in NAMES]
    loaded = await asyncio.gather(*documents, *latest, *revisions)
    assert all(value.value is not None for value in loaded[:100])
    assert data_calls(sim) == (100, 2, ids_calls)
    # A second request within the time to live is served from the store.
    again = RequestLoaders(store, client)
    await asyncio.gather(*(again.document(name) for name in NAMES))
    assert data_calls(sim) == (100, 2, ids_calls)
