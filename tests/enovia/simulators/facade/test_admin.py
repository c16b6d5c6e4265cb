"""The admin API: listing, run-time document changes, validation, reset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from enovia.simulators.facade import (
    DOC_GONE,
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_TWO_RELEASED,
    DOC_WITH_URL_CHARS,
    SAMPLE_UIDS,
    SimulatorConfig,
    create_simulator_app,
)
from tests.clocks import FakeClock
from tests.enovia.simulators.facade.helpers import doc_url, get_token, seg

DOC = DOC_SUPERSEDED_THEN_RELEASED


def admin_doc(uid: str, *rest: str) -> str:
    return "/_sim/documents/" + "/".join(seg(part) for part in (uid, *rest))


async def add_revision(client: httpx.AsyncClient, uid: str, **body: Any) -> httpx.Response:
    return await client.post(admin_doc(uid, "revisions"), json=body)


async def test_list_documents(client: httpx.AsyncClient) -> None:
    body = (await client.get("/_sim/documents")).json()
    assert body == {"uids": list(SAMPLE_UIDS), "deleted": [DOC_GONE]}


async def test_show_document(client: httpx.AsyncClient) -> None:
    body = (await client.get(admin_doc(DOC_WITH_URL_CHARS))).json()
    assert body["document"]["id"] == DOC_WITH_URL_CHARS
    assert body["deleted"] is False
    assert body["stored"] is True
    assert body["latestReleased"] == "A"
    assert [r["revision"] for r in body["revisions"]] == ["A"]


async def test_show_generated_and_missing_documents(client: httpx.AsyncClient) -> None:
    body = (await client.get(admin_doc("GEN-3"))).json()
    assert (body["stored"], body["latestReleased"]) == (False, "B")
    assert (await client.get(admin_doc(DOC_MISSING))).status_code == 404


async def test_release_a_new_revision_superseding_the_previous(api: httpx.AsyncClient) -> None:
    before = (await api.get(doc_url(DOC, "revisions", "B"))).json()
    response = await add_revision(
        api, DOC, revision="C", maturityState="Released", pages=3, supersede_previous=True
    )
    assert response.status_code == 201
    assert response.json()["latestReleased"] == "C"
    latest = (await api.get(doc_url(DOC, "revisions", "latest"))).json()
    assert (latest["revision"], latest["maturityState"], latest["pages"]) == ("C", "Released", 3)
    assert latest["releasedDate"] is not None
    b = (await api.get(doc_url(DOC, "revisions", "B"))).json()
    assert (b["maturityState"], b["supersededBy"]) == ("Superseded", "C")
    assert b["lastModified"] > before["lastModified"]
    assert b["releasedDate"] == before["releasedDate"]
    # A was not in the released family: untouched, still superseded by B.
    a = (await api.get(doc_url(DOC, "revisions", "A"))).json()
    assert (a["maturityState"], a["supersededBy"]) == ("Superseded", "B")
    document = (await api.get(doc_url(DOC))).json()
    assert document["updatedAt"] > "2024-12-31"


async def test_supersede_previous_covers_every_released_revision(api: httpx.AsyncClient) -> None:
    await add_revision(
        api, DOC_TWO_RELEASED, revision="C", maturityState="AFC", supersede_previous=True
    )
    for label in ("A", "B"):
        body = (await api.get(doc_url(DOC_TWO_RELEASED, "revisions", label))).json()
        assert (body["maturityState"], body["supersededBy"]) == ("Superseded", "C")


async def test_add_without_supersede_keeps_the_chain(api: httpx.AsyncClient) -> None:
    response = await add_revision(api, DOC, revision="C")
    assert response.status_code == 201
    c = response.json()["revisions"][-1]
    assert (c["revision"], c["maturityState"], c["pages"], c["releasedDate"]) == (
        "C",
        "In Work",
        1,
        None,
    )
    latest = (await api.get(doc_url(DOC, "revisions", "latest"))).json()
    assert latest["revision"] == "B"
    b = (await api.get(doc_url(DOC, "revisions", "B"))).json()
    assert b["maturityState"] == "Released"


async def test_adding_a_revision_creates_the_document(api: httpx.AsyncClient) -> None:
    uid = "NEW/doc ?#% Ж"
    response = await add_revision(api, uid, revision="A/1", maturityState="Approved")
    assert response.status_code == 201
    assert (await api.get(doc_url(uid))).json()["id"] == uid
    latest = (await api.get(doc_url(uid, "revisions", "latest"))).json()
    assert latest["revision"] == "A/1"
    assert uid in (await api.get("/_sim/documents")).json()["uids"]


async def test_generated_documents_can_be_changed(api: httpx.AsyncClient) -> None:
    await add_revision(
        api, "GEN-5", revision="C", maturityState="Released", supersede_previous=True
    )
    assert (await api.get(doc_url("GEN-5", "revisions", "latest"))).json()["revision"] == "C"
    assert (await api.get(doc_url("GEN-6", "revisions", "latest"))).json()["revision"] == "B"
    assert "GEN-5" in (await api.get("/_sim/documents")).json()["uids"]
    await api.post("/_sim/reset")
    assert (await api.get(doc_url("GEN-5", "revisions", "latest"))).json()["revision"] == "B"
    assert "GEN-5" not in (await api.get("/_sim/documents")).json()["uids"]


async def test_duplicate_revision_is_409(client: httpx.AsyncClient) -> None:
    response = await add_revision(client, DOC, revision="B")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"


async def test_adding_to_a_deleted_document_is_410(client: httpx.AsyncClient) -> None:
    assert (await add_revision(client, DOC_GONE, revision="B")).status_code == 410


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "revision"),
        ({"revision": ""}, "revision"),
        ({"revision": 3}, "revision"),
        ({"revision": "latest"}, "latest"),
        ({"revision": "C", "maturityState": ""}, "maturityState"),
        ({"revision": "C", "maturityState": 5}, "maturityState"),
        ({"revision": "C", "pages": "3"}, "pages"),
        ({"revision": "C", "pages": -1}, "pages"),
        ({"revision": "C", "pages": True}, "pages"),
        ({"revision": "C", "supersede_previous": "yes"}, "supersede_previous"),
        ({"revision": "C", "supersedePrevious": True}, "'supersedePrevious'"),
    ],
)
async def test_add_revision_validation(
    client: httpx.AsyncClient, body: dict[str, Any], named: str
) -> None:
    response = await client.post(admin_doc(DOC, "revisions"), json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert named in response.json()["message"]
    view = (await client.get(admin_doc(DOC))).json()
    assert [r["revision"] for r in view["revisions"]] == ["A", "B"]


@pytest.mark.parametrize("body", [b"", b"{", b"[1]", b'"x"'])
async def test_admin_bodies_must_be_json_objects(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(admin_doc(DOC, "revisions"), content=body)
    assert response.status_code == 400


async def test_patch_a_revision(api: httpx.AsyncClient) -> None:
    url = admin_doc(DOC_TWO_RELEASED, "revisions", "A")
    response = await api.patch(url, json={"supersededBy": "B", "pages": 9})
    assert response.status_code == 200
    assert (response.json()["supersededBy"], response.json()["pages"]) == ("B", 9)
    served = (await api.get(doc_url(DOC_TWO_RELEASED, "revisions", "A"))).json()
    assert served == response.json()
    assert served["maturityState"] == "Released"
    assert served["lastModified"] > "2024-12-31"
    cleared = (await api.patch(url, json={"supersededBy": None})).json()
    assert cleared["supersededBy"] is None


async def test_patching_to_released_sets_the_released_date(api: httpx.AsyncClient) -> None:
    assert (await api.get(doc_url(DOC_IN_WORK_ONLY, "revisions", "latest"))).status_code == 404
    url = admin_doc(DOC_IN_WORK_ONLY, "revisions", "A")
    body = (await api.patch(url, json={"maturityState": "Released"})).json()
    assert body["releasedDate"] is not None
    latest = await api.get(doc_url(DOC_IN_WORK_ONLY, "revisions", "latest"))
    assert latest.json()["revision"] == "A"


async def test_patch_uses_the_wall_clock() -> None:
    moment = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    app = create_simulator_app(SimulatorConfig(), clock=FakeClock(), wall_clock=lambda: moment)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        url = admin_doc(DOC, "revisions", "B")
        body = (await client.patch(url, json={"maturityState": "Obsolete"})).json()
        assert body["lastModified"] == "2025-03-04T05:06:07Z"
        client.headers["Authorization"] = f"Bearer {await get_token(client)}"
        document = (await client.get(doc_url(DOC))).json()
        assert document["updatedAt"] == "2025-03-04T05:06:07Z"


@pytest.mark.parametrize(
    ("uid", "label", "status"),
    [(DOC_MISSING, "A", 404), (DOC, "Z", 404), (DOC_GONE, "A", 410)],
)
async def test_patch_missing_targets(
    client: httpx.AsyncClient, uid: str, label: str, status: int
) -> None:
    response = await client.patch(admin_doc(uid, "revisions", label), json={"pages": 1})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"revision": "C"}, "'revision'"),
        ({"maturityState": None}, "maturityState"),
        ({"supersededBy": 3}, "supersededBy"),
        ({"supersededBy": ""}, "supersededBy"),
        ({"pages": 1.5}, "pages"),
    ],
)
async def test_patch_validation(
    client: httpx.AsyncClient, body: dict[str, Any], named: str
) -> None:
    response = await client.patch(admin_doc(DOC, "revisions", "B"), json=body)
    assert response.status_code == 400
    assert named in response.json()["message"]


async def test_delete_a_document(api: httpx.AsyncClient) -> None:
    response = await api.delete(admin_doc(DOC))
    assert response.json() == {"deleted": DOC}
    assert (await api.get(doc_url(DOC))).status_code == 410
    assert (await api.get(doc_url(DOC, "revisions", "latest"))).status_code == 410
    assert (await api.delete(admin_doc(DOC))).status_code == 200
    assert DOC in (await api.get("/_sim/documents")).json()["deleted"]


async def test_delete_generated_and_missing(api: httpx.AsyncClient) -> None:
    assert (await api.delete(admin_doc("GEN-77"))).status_code == 200
    assert (await api.get(doc_url("GEN-77"))).status_code == 410
    assert (await api.get(doc_url("GEN-78"))).status_code == 200
    assert (await api.delete(admin_doc(DOC_MISSING))).status_code == 404


async def test_reset_restores_the_sample_data(api: httpx.AsyncClient) -> None:
    await api.delete(admin_doc(DOC))
    await add_revision(api, "BRAND-NEW", revision="A")
    await api.patch(admin_doc(DOC_TWO_RELEASED, "revisions", "A"), json={"pages": 99})
    assert (await api.post("/_sim/reset")).json() == {"reset": True}
    assert (await api.get(doc_url(DOC))).status_code == 200
    assert (await api.get(doc_url("BRAND-NEW"))).status_code == 404
    assert (await api.get(doc_url(DOC_TWO_RELEASED, "revisions", "A"))).json()["pages"] == 4
    assert (await api.get("/_sim/documents")).json()["uids"] == list(SAMPLE_UIDS)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/_sim/stats", "GET"),
        ("GET", "/_sim/reset", "POST"),
        ("PUT", "/_sim/faults", "GET, POST"),
        ("GET", "/_sim/tokens/revoke", "POST"),
        ("POST", "/_sim/documents/DOC-001", "GET, DELETE"),
    ],
)
async def test_admin_wrong_method_is_405(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("path", ["/_sim/nothing", "/_sim/documents/DOC-001/x", "/_sim/tokens"])
async def test_unknown_admin_path_is_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_indexes(client: httpx.AsyncClient) -> None:
    assert "GET /_sim/stats" in (await client.get("/_sim/")).json()["endpoints"]
    assert (await client.get("/_sim")).status_code == 200
    assert (await client.get("/")).json()["admin"] == "/_sim/"
    assert (await client.get("/elsewhere")).status_code == 404
