"""Documents and revisions read from the simulated platform: what is derived, what each
question costs, and the names that must not be search syntax."""

from __future__ import annotations

import asyncio

import pytest

from enovia import Gone, InvalidIdentifier, NotFound, UpstreamBadResponse
from enovia.platform import StateTable
from enovia.simulators.facade.data import DOC_GONE, DOC_MISSING, HOSTILE_UIDS
from enovia.simulators.platform import (
    AWKWARD_NAMES,
    CSRF,
    DOC_AND_DRAWING,
    DOC_BRANCHED,
    DOC_LEGACY_STATES,
    DOC_MAJOR_MINOR_LABELS,
    DOC_NUMERIC_LABELS,
    DOC_OBSOLETE_CHAIN,
    DOC_POLICY_PREFIXED_STATES,
    DOC_PREFIX_LONG,
    DOC_PREFIX_SHORT,
    DOC_PRIVATE_ONLY,
    DOCUMENT_TYPE,
    DOCUMENTS_BY_IDS,
    DRAWING,
    DRAWING_TYPE,
    GRAPH,
    REV_BRANCH,
    SEARCH,
    object_id,
)
from tests.enovia.platform.conftest import ClientFactory, Made, Simulator, batch_login


@pytest.fixture
async def made(make_client: ClientFactory) -> Made:
    made = make_client(batch_login(), security_context="VPLMViewer.Company Name.Common Space")
    await made.client.start()
    return made


def data_calls(sim: Simulator) -> dict[str, int]:
    calls = sim.calls()
    return {t: calls[t] for t in (SEARCH, CSRF, GRAPH, DOCUMENTS_BY_IDS) if t in calls}


async def scan(made: Made, uid: str, label: str):
    """What a QR scan asks: the document, the printed revision, the latest released."""
    return await asyncio.gather(
        made.client.get_document(uid),
        made.client.get_revision(uid, label),
        made.client.get_latest_revision(uid),
    )


async def test_one_scan_by_name_costs_one_search_one_graph_one_ids(made: Made, sim: Simulator):
    document, revision, latest = await scan(made, "DOC-001", "A")
    assert data_calls(sim) == {SEARCH: 1, CSRF: 1, GRAPH: 1, DOCUMENTS_BY_IDS: 1}
    assert (document.id, document.number, document.type) == ("DOC-001", "DOC-001", "Document")
    assert document.title == "План этажа 1, оси А-Ж"
    assert (revision.revision, revision.maturity_state, revision.superseded_by) == (
        "A",
        "OBSOLETE",
        "B",
    )
    assert revision.business_status == "CHANGES_INTRODUCED_GET_NEW"
    assert revision.id == object_id("DOC-001", DOCUMENT_TYPE, "A")
    assert (latest.revision, latest.maturity_state, latest.superseded_by) == ("B", "RELEASED", None)
    assert latest.business_status == "APPROVED_FOR_CONSTRUCTION"
    assert (latest.pages, latest.released_date) == (None, None)
    assert latest.last_modified is not None


async def test_one_scan_by_physical_id_costs_one_graph_one_ids(made: Made, sim: Simulator):
    oid = object_id("DOC-001", DOCUMENT_TYPE, "A")
    document, revision, latest = await scan(made, oid, "A")
    assert data_calls(sim) == {CSRF: 1, GRAPH: 1, DOCUMENTS_BY_IDS: 1}
    assert (document.id, document.number) == (oid, "DOC-001")
    assert (revision.revision, latest.revision) == ("A", "B")
    # Any revision's id names the document; in lower case too.
    newest = object_id("DOC-001", DOCUMENT_TYPE, "B").lower()
    assert (await made.client.get_document(newest)).number == "DOC-001"


async def test_the_same_uid_asked_again_later_is_read_again(made: Made, sim: Simulator):
    await made.client.get_document("DOC-001")
    await made.client.get_document("DOC-001")
    assert data_calls(sim)[SEARCH] == 2  # the client keeps nothing: the cache above does


@pytest.mark.parametrize(
    ("uid", "latest", "revisions"),
    [
        ("DOC-001", "B", [("A", "B"), ("B", None)]),
        ("DOC-002", "A", [("A", None), ("B", None)]),
        ("DOC-003", "B", [("A", "B"), ("B", None)]),
        ("DOC-004", None, [("A", None)]),
        ("DOC-005", None, [("A", None), ("B", None)]),
        ("DOC-010", "B", [("A", "B"), ("B", None)]),
        ("DOC-015", "A/2", [("A/1", "A/2"), ("A/2", None)]),
        # Superseded by the first *released* revision later on the line.
        (DOC_OBSOLETE_CHAIN, "C", [("A", "C"), ("B", "C"), ("C", None)]),
        (DOC_NUMERIC_LABELS, "2", [("1", "2"), ("2", None), ("3", None)]),
        (DOC_POLICY_PREFIXED_STATES, "B", [("A", "B"), ("B", None)]),
        (DOC_LEGACY_STATES, "B", [("A", "B"), ("B", None), ("C", None)]),
        (DOC_PRIVATE_ONLY, None, [("A", None)]),
        (DOC_BRANCHED, "B", [("A", "B"), (REV_BRANCH, None), ("B", None)]),
    ],
)
async def test_what_the_graph_says(
    made: Made, uid: str, latest: str | None, revisions: list[tuple[str, str | None]]
):
    listed = await made.client.list_revisions(uid)
    assert [(r.revision, r.superseded_by) for r in listed] == revisions
    if latest is None:
        with pytest.raises(NotFound, match="no released revision"):
            await made.client.get_latest_revision(uid)
    else:
        assert (await made.client.get_latest_revision(uid)).revision == latest


async def test_a_site_state_map(make_client: ClientFactory):
    states = StateTable.default().with_overrides({"Preliminary": "ACCEPTED_BY_CUSTOMER"})
    made = make_client(batch_login(), states=states)
    latest = await made.client.get_latest_revision(DOC_LEGACY_STATES)
    assert (latest.revision, latest.business_status) == ("C", "ACCEPTED_BY_CUSTOMER")
    unknown = await made.client.get_revision("DOC-010", "A")
    assert (unknown.maturity_state, unknown.business_status) == ("Cancelled", "UNKNOWN")


async def test_missing_and_deleted_documents(made: Made):
    with pytest.raises(NotFound):
        await made.client.get_document(DOC_MISSING)
    # DOC-GONE is still in the search index, its objects are gone.
    with pytest.raises(Gone):
        await made.client.get_document(DOC_GONE)
    with pytest.raises(NotFound):
        await made.client.get_document("0" * 32)
    with pytest.raises(NotFound, match="no such revision"):
        await made.client.get_revision("DOC-001", "Z")


async def test_one_missing_document_does_not_fail_the_others(made: Made, sim: Simulator):
    found = await made.client.get_documents(["DOC-001", DOC_MISSING, DOC_GONE, "DOC-002"])
    assert found["DOC-001"].number == "DOC-001"  # type: ignore[union-attr]
    assert isinstance(found[DOC_MISSING], NotFound)
    assert isinstance(found[DOC_GONE], Gone)
    assert found["DOC-002"].number == "DOC-002"  # type: ignore[union-attr]
    # One search each; the found ones and DOC-GONE asked of the graph in one call.
    assert data_calls(sim) == {SEARCH: 4, CSRF: 1, GRAPH: 1, DOCUMENTS_BY_IDS: 1}


@pytest.mark.parametrize("name", [*HOSTILE_UIDS, *AWKWARD_NAMES])
async def test_hostile_names_are_read_as_names(made: Made, name: str):
    document, revision, latest = await scan(made, name, "A")
    assert (document.id, document.number) == (name, name)
    assert revision.revision == latest.revision == "A"


async def test_a_name_is_not_a_prefix(made: Made):
    # The search for TDX-113 also finds TDX-1130: only the exact name counts.
    short = await made.client.list_revisions(DOC_PREFIX_SHORT)
    assert [r.id for r in short] == [object_id(DOC_PREFIX_SHORT, DOCUMENT_TYPE, "A")]
    assert (await made.client.get_document(DOC_PREFIX_LONG)).number == DOC_PREFIX_LONG
    with pytest.raises(NotFound):
        await made.client.get_document("TDX-11")
    with pytest.raises(NotFound):
        await made.client.get_document(DOC_PREFIX_SHORT.lower())


async def test_the_document_source_picks_the_type(make_client: ClientFactory):
    documents = make_client(batch_login())
    drawings = make_client(batch_login(), source="dsdrw")
    document = await documents.client.get_document(DOC_AND_DRAWING)
    drawing = await drawings.client.get_document(DOC_AND_DRAWING)
    assert (document.type, drawing.type) == (DOCUMENT_TYPE, DRAWING_TYPE)
    assert len(await documents.client.list_revisions(DOC_AND_DRAWING)) == 1
    assert len(await drawings.client.list_revisions(DOC_AND_DRAWING)) == 2
    assert (await drawings.client.get_latest_revision(DRAWING)).revision == "B"
    with pytest.raises(NotFound):
        await documents.client.get_document(DRAWING)
    with pytest.raises(NotFound):
        await drawings.client.get_document("DOC-001")
    # A drawing's id read as a document (and the other way round) is not found.
    with pytest.raises(NotFound):
        await documents.client.get_document(object_id(DRAWING, DRAWING_TYPE, "A"))
    assert (await drawings.client.get_document(object_id(DRAWING, DRAWING_TYPE, "A"))).number == (
        DRAWING
    )


async def test_exact_and_major_revision_matching(make_client: ClientFactory):
    exact = make_client(batch_login())
    major = make_client(batch_login(), revision_match="major")
    with pytest.raises(NotFound):
        await exact.client.get_revision(DOC_MAJOR_MINOR_LABELS, "B")
    assert (await exact.client.get_revision(DOC_MAJOR_MINOR_LABELS, "B.2")).revision == "B.2"
    assert (await major.client.get_revision(DOC_MAJOR_MINOR_LABELS, "B")).revision == "B.3"
    assert (await major.client.get_revision(DOC_MAJOR_MINOR_LABELS, "A")).revision == "A.1"
    assert (await major.client.get_revision(DOC_MAJOR_MINOR_LABELS, "B.1")).revision == "B.1"
    assert (await major.client.get_revision("DOC-001", "B")).revision == "B"
    with pytest.raises(NotFound):
        await major.client.get_revision(DOC_MAJOR_MINOR_LABELS, "C")


async def test_changes_are_seen_by_the_next_call(made: Made, sim: Simulator):
    assert (await made.client.get_latest_revision("DOC-002")).revision == "A"
    sim.document("DOC-002", "revisions/B/release")
    latest = await made.client.get_latest_revision("DOC-002")
    assert latest.revision == "B"
    assert (await made.client.get_revision("DOC-002", "A")).superseded_by == "B"
    sim.document("DOC-002", "revisions", revision="C", maturityState="IN_WORK")
    listed = await made.client.list_revisions("DOC-002")
    assert [r.revision for r in listed] == ["A", "B", "C"]
    assert (await made.client.get_latest_revision("DOC-002")).revision == "B"


async def test_a_renamed_document_is_no_longer_found_by_its_old_name(made: Made, sim: Simulator):
    oid = object_id("DOC-003", DOCUMENT_TYPE, "A")
    sim.faults(search_lag_seconds=3600)  # the index still lists the old name
    sim.document("DOC-003", "rename", to="DOC-003-NEW")
    with pytest.raises(NotFound):
        await made.client.get_document("DOC-003")
    # By id, it is found under its new name.
    assert (await made.client.get_document(oid)).number == "DOC-003-NEW"


async def test_a_deletion_the_index_has_not_seen_is_gone(made: Made, sim: Simulator):
    sim.faults(search_lag_seconds=3600)
    sim.delete("DOC-004")
    with pytest.raises(Gone):
        await made.client.get_document("DOC-004")


async def test_invalid_identifiers_are_refused_before_any_call(made: Made, sim: Simulator):
    before = sim.stats()["total"]
    for uid in ["", "x" * 300, "bad\x00uid", "..", "tab\there"]:
        with pytest.raises(InvalidIdentifier):
            await made.client.get_document(uid)
    with pytest.raises(InvalidIdentifier):
        await made.client.get_revision("DOC-001", "")
    with pytest.raises(InvalidIdentifier):
        await made.client.get_documents(["DOC-001", ""])
    assert sim.stats()["total"] == before


async def test_the_graph_limit_is_the_batch_size(make_client: ClientFactory, sim: Simulator):
    sim.faults(graph_max_objects=10)
    names = [f"PTE-{n:04d}" for n in range(1, 21)]
    too_big = make_client(batch_login())
    found = await too_big.client.get_documents(names)
    assert all(isinstance(found[name], UpstreamBadResponse) for name in names)
    fitting = make_client(batch_login(), batch_size=10)
    found = await fitting.client.get_documents(names)
    assert [found[name].number for name in names] == names  # type: ignore[union-attr]
    assert sim.stats()["calls"][GRAPH] == 1 + 2
