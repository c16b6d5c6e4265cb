"""The ENOVIA endpoints over the sample data."""

from __future__ import annotations

import re

import httpx
import pytest

from enovia.simulators.facade import (
    DOC_ACCEPTED,
    DOC_AFC,
    DOC_APPROVED,
    DOC_GONE,
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_OBSOLETE_THEN_FROZEN,
    DOC_RELEASED_SUPERSEDED_BY_AFC,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SLASHED_REVISIONS,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_TWO_RELEASED,
    DOC_UNKNOWN_STATE,
    HOSTILE_UIDS,
    REV_SLASHED_CURRENT,
    REV_SLASHED_OLD,
    UNKNOWN_STATE,
    generated_uid,
)
from tests.enovia.simulators.facade.helpers import doc_url

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
REVISION_KEYS = {
    "id",
    "revision",
    "maturityState",
    "releasedDate",
    "supersededBy",
    "lastModified",
    "pages",
}


async def test_health(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "sim-1"}
    assert response.headers["content-type"] == "application/json"


async def test_document(api: httpx.AsyncClient) -> None:
    response = await api.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED))
    assert response.status_code == 200
    assert response.json() == {
        "id": "DOC-001",
        "title": "План этажа 1, оси А-Ж",
        "number": "PTE-AR-0901",
        "type": "Drawing",
        "createdAt": "2024-01-15T10:30:00Z",
        "updatedAt": "2024-03-01T10:30:00Z",
    }


async def test_revision(api: httpx.AsyncClient) -> None:
    response = await api.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED, "revisions", "A"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == REVISION_KEYS
    assert body["revision"] == "A"
    assert body["maturityState"] == "Superseded"
    assert body["supersededBy"] == "B"
    assert body["pages"] == 12
    assert ISO_Z.match(body["releasedDate"])
    assert ISO_Z.match(body["lastModified"])
    assert re.fullmatch(r"[0-9A-F]{32}", body["id"])


async def test_revision_ids_are_stable_and_distinct(api: httpx.AsyncClient) -> None:
    a = (await api.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED, "revisions", "A"))).json()["id"]
    b = (await api.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED, "revisions", "B"))).json()["id"]
    again = (await api.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED, "revisions", "A"))).json()
    assert a != b
    assert again["id"] == a


async def test_never_released_revision_has_null_released_date(api: httpx.AsyncClient) -> None:
    body = (await api.get(doc_url(DOC_IN_WORK_ONLY, "revisions", "A"))).json()
    assert body["maturityState"] == "In Work"
    assert body["releasedDate"] is None
    assert body["supersededBy"] is None


@pytest.mark.parametrize(
    ("uid", "latest", "state"),
    [
        (DOC_SUPERSEDED_THEN_RELEASED, "B", "Released"),
        (DOC_RELEASED_THEN_IN_WORK, "A", "Released"),
        (DOC_TWO_RELEASED, "B", "Released"),
        (DOC_AFC, "A", "AFC"),
        (DOC_ACCEPTED, "A", "Accepted"),
        (DOC_APPROVED, "A", "Approved"),
        (DOC_RELEASED_SUPERSEDED_BY_AFC, "B", "AFC"),
        (DOC_UNKNOWN_STATE, "B", "Released"),
        (DOC_SLASHED_REVISIONS, REV_SLASHED_CURRENT, "Released"),
    ],
)
async def test_latest_is_the_last_released_revision(
    api: httpx.AsyncClient, uid: str, latest: str, state: str
) -> None:
    response = await api.get(doc_url(uid, "revisions", "latest"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == REVISION_KEYS
    assert (body["revision"], body["maturityState"]) == (latest, state)
    assert body["supersededBy"] is None


@pytest.mark.parametrize("uid", [DOC_IN_WORK_ONLY, DOC_OBSOLETE_THEN_FROZEN])
async def test_latest_is_404_when_nothing_is_released(api: httpx.AsyncClient, uid: str) -> None:
    response = await api.get(doc_url(uid, "revisions", "latest"))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No released revision"}


async def test_stale_released_revision_is_still_marked_released(api: httpx.AsyncClient) -> None:
    body = (await api.get(doc_url(DOC_TWO_RELEASED, "revisions", "A"))).json()
    assert (body["maturityState"], body["supersededBy"]) == ("Released", None)


async def test_released_but_superseded_revision(api: httpx.AsyncClient) -> None:
    body = (await api.get(doc_url(DOC_RELEASED_SUPERSEDED_BY_AFC, "revisions", "A"))).json()
    assert (body["maturityState"], body["supersededBy"]) == ("Released", "B")


async def test_unknown_state_is_served_as_is(api: httpx.AsyncClient) -> None:
    body = (await api.get(doc_url(DOC_UNKNOWN_STATE, "revisions", "A"))).json()
    assert body["maturityState"] == UNKNOWN_STATE


async def test_unknown_document_is_404(api: httpx.AsyncClient) -> None:
    for url in (
        doc_url(DOC_MISSING),
        doc_url(DOC_MISSING, "revisions", "A"),
        doc_url(DOC_MISSING, "revisions", "latest"),
    ):
        response = await api.get(url)
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": "Document not found"}


async def test_unknown_revision_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED, "revisions", "Z"))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Revision not found"}


async def test_deleted_document_is_410_everywhere(api: httpx.AsyncClient) -> None:
    for url in (
        doc_url(DOC_GONE),
        doc_url(DOC_GONE, "revisions", "A"),
        doc_url(DOC_GONE, "revisions", "Z"),
        doc_url(DOC_GONE, "revisions", "latest"),
    ):
        response = await api.get(url)
        assert response.status_code == 410
        assert response.json() == {"error": "gone", "message": "Document deleted"}


@pytest.mark.parametrize("uid", HOSTILE_UIDS)
async def test_hostile_identifiers_round_trip(api: httpx.AsyncClient, uid: str) -> None:
    document = await api.get(doc_url(uid))
    assert document.status_code == 200
    assert document.json()["id"] == uid
    revision = await api.get(doc_url(uid, "revisions", "A"))
    assert revision.json()["revision"] == "A"
    latest = await api.get(doc_url(uid, "revisions", "latest"))
    assert latest.json()["maturityState"] == "Released"


async def test_revision_labels_with_a_slash(api: httpx.AsyncClient) -> None:
    old = (await api.get(doc_url(DOC_SLASHED_REVISIONS, "revisions", REV_SLASHED_OLD))).json()
    assert old["revision"] == REV_SLASHED_OLD
    assert old["supersededBy"] == REV_SLASHED_CURRENT


async def test_hostile_identifiers_are_one_encoded_segment(api: httpx.AsyncClient) -> None:
    # Not encoding the slash makes two segments: no such endpoint.
    response = await api.get("/api/v1/documents/DOC/012")
    assert response.status_code == 404
    assert response.json()["message"] == "No such endpoint"
    # Lower-case percent escapes are the same segment.
    assert (await api.get("/api/v1/documents/DOC%2f012")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents",
        "/api/v1/documents/DOC-001/",
        "/api/v1/documents/DOC-001/revisions",
        "/api/v1/documents/DOC-001/revisions/A/extra",
        "/api/v1/documents/DOC-001/versions/A",
        "/api/v2/health",
        "/api/v1/health/detailed",
    ],
)
async def test_paths_with_the_wrong_shape_are_404(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No such endpoint"}


async def test_empty_uid_segment_is_a_missing_document(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/documents//revisions/A")
    assert response.status_code == 404
    assert response.json()["message"] == "Document not found"


async def test_api_is_get_only(api: httpx.AsyncClient) -> None:
    response = await api.post(doc_url(DOC_SUPERSEDED_THEN_RELEASED))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


async def test_query_strings_are_ignored(api: httpx.AsyncClient) -> None:
    response = await api.get(doc_url(DOC_SUPERSEDED_THEN_RELEASED), params={"x": "/y"})
    assert response.json()["id"] == DOC_SUPERSEDED_THEN_RELEASED


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 12345, 99_999, 10**20])
async def test_generated_family(api: httpx.AsyncClient, n: int) -> None:
    uid = generated_uid(n)
    document = await api.get(doc_url(uid))
    assert document.status_code == 200
    assert document.json()["id"] == uid
    latest = await api.get(doc_url(uid, "revisions", "latest"))
    assert latest.status_code == 200
    expected = {7: ("A", "Released"), 8: ("C", "AFC"), 9: ("A", "Released")}
    label, state = expected.get(n % 10, ("B", "Released"))
    assert (latest.json()["revision"], latest.json()["maturityState"]) == (label, state)
    first = (await api.get(doc_url(uid, "revisions", "A"))).json()
    if n % 10 in (7, 9):
        assert first["supersededBy"] is None
    else:
        assert (first["maturityState"], first["supersededBy"]) == ("Superseded", "B")


async def test_generated_documents_are_deterministic(api: httpx.AsyncClient) -> None:
    url = doc_url("GEN-4242", "revisions", "B")
    assert (await api.get(url)).json() == (await api.get(url)).json()


@pytest.mark.parametrize(
    "uid", ["GEN-", "GEN-x", "GEN--1", "GEN-1.5", "GEN-٣", "GEN-" + "9" * 31, "gen-1"]
)
async def test_not_generated_uids_are_404(api: httpx.AsyncClient, uid: str) -> None:
    assert (await api.get(doc_url(uid))).status_code == 404


async def test_generated_uid_rejects_negatives() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        generated_uid(-1)


async def test_catalogue_documents_are_served(api: httpx.AsyncClient) -> None:
    body = (await api.get(doc_url("PTE-0001"))).json()
    assert body["number"] == "PTE-AR-0001"
    assert body["type"] in {"Drawing", "Specification", "Calculation", "Model"}
