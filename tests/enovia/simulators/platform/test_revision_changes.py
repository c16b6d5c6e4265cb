"""One revision object changed alone through the admin API: deleted, or renamed away from its
family's name while the version graph still links it. Both reach documents/{id},
documents/ids and getGraph at once, search once `search_lag_seconds` have passed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from enovia.simulators.facade import generated_uid
from enovia.simulators.platform import (
    DOC_LEGACY_STATES,
    DOC_OBSOLETE_CHAIN,
    DRAWING,
)
from tests.enovia.simulators.platform.helpers import (
    DOCUMENTS_PATH,
    Platform,
    by_ids,
    graph,
    hit_names,
    search,
    seg,
)

LAG = 30
DOC = DOC_OBSOLETE_CHAIN  # A OBSOLETE, B OBSOLETE, C RELEASED: one line


@pytest.fixture
def client(platform: Platform) -> httpx.Client:
    platform.faults(search_lag_seconds=LAG)
    return platform.session()


def revision_path(name: str, label: str, *rest: str) -> str:
    return "/".join(["/_sim/documents", seg(name), "revisions", seg(label), *rest])


def delete_revision(platform: Platform, name: str, label: str, **query: str) -> dict[str, Any]:
    response = platform.admin.delete(revision_path(name, label), params=query)
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def rename_revision(platform: Platform, name: str, label: str, to: str) -> dict[str, Any]:
    response = platform.admin.post(revision_path(name, label, "rename"), json={"to": to})
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


def found(client: httpx.Client, name: str) -> list[str]:
    """The labels a search for *name* finds under exactly that name."""
    return [label for hit, _, label in hit_names(search(client, name)) if hit == name]


def versions(client: httpx.Client, oid: str) -> dict[str, list[str]]:
    """Label → the labels of its ancestors, as getGraph lists *oid*'s family."""
    (result,) = graph(client, oid).json()["results"]
    labels = {v["id"]: v["revision"] for v in result["versions"]}
    return {
        v["revision"]: [labels.get(a["id"], a["id"]) for a in v["ancestors"]]
        for v in result["versions"]
    }


def name_of(client: httpx.Client, oid: str) -> str:
    response = client.get(f"{DOCUMENTS_PATH}/{oid}")
    assert response.status_code == 200, response.text
    name: str = response.json()["data"][0]["dataelements"]["name"]
    return name


def test_the_admin_index_lists_them(platform: Platform) -> None:
    endpoints = platform.admin.get("/_sim/").json()["endpoints"]
    assert "DELETE /_sim/documents/{name}/revisions/{label}" in endpoints
    assert "POST /_sim/documents/{name}/revisions/{label}/rename" in endpoints


# Deleting one revision ---------------------------------------------------------------------


def test_a_revision_deleted_alone(platform: Platform, client: httpx.Client) -> None:
    ids = platform.ids_of(DOC)
    view = delete_revision(platform, DOC, "B")
    assert [(r["revision"], r["madeFrom"]) for r in view["revisions"]] == [
        ("A", None),
        ("C", None),  # its VersionOf edge went with B: it starts a line
    ]
    assert view["deleted"] is False
    # Gone at once from the object calls and the graph...
    assert client.get(f"{DOCUMENTS_PATH}/{ids['B']}").status_code == 404
    listed = by_ids(client, ids["A"], ids["B"], ids["C"]).json()["data"]
    assert [d["dataelements"]["revision"] for d in listed] == ["A", "C"]
    assert versions(client, ids["A"]) == {"A": [], "C": []}
    (result,) = graph(client, ids["B"]).json()["results"]
    assert result["errorCode"] == "OBJECT_NOT_FOUND"
    # ... from search once the index catches up.
    assert found(client, DOC) == ["A", "B", "C"]
    platform.clock.advance(LAG)
    assert found(client, DOC) == ["A", "C"]


def test_the_revisions_made_from_a_deleted_one_start_a_line(
    platform: Platform, client: httpx.Client
) -> None:
    ids = platform.ids_of(DOC)
    delete_revision(platform, DOC, "A")
    assert versions(client, ids["C"]) == {"B": [], "C": ["B"]}


def test_deleting_the_last_revision_deletes_the_document(
    platform: Platform, client: httpx.Client
) -> None:
    ids = platform.ids_of(DOC)
    for label in ("C", "A"):
        assert delete_revision(platform, DOC, label)["deleted"] is False
    view = delete_revision(platform, DOC, "B")
    assert (view["deleted"], view["revisions"]) == (True, [])
    assert by_ids(client, *ids.values()).json()["items"] == 0
    assert platform.admin.delete(revision_path(DOC, "B")).status_code == 410
    added = platform.admin.post(f"/_sim/documents/{seg(DOC)}/revisions", json={"revision": "D"})
    assert added.status_code == 410
    platform.admin.post("/_sim/reset")
    assert list(platform.ids_of(DOC)) == ["A", "B", "C"]


def test_deleting_a_revision_refuses_what_is_not_there(platform: Platform) -> None:
    admin = platform.admin
    assert admin.delete(revision_path(DOC, "Q")).status_code == 404
    assert admin.delete(revision_path("NO-SUCH-DOC", "A")).status_code == 404
    body = admin.request("DELETE", revision_path(DOC, "A"), json={"force": True})
    assert body.status_code == 400
    assert "'force'" in body.json()["message"]
    # Of the Drawing only, when the type says so.
    delete_revision(platform, DRAWING, "B", type="Drawing")
    assert list(platform.ids_of(DRAWING)) == ["A"]


def test_a_gen_revision_deleted_alone(platform: Platform, client: httpx.Client) -> None:
    name = generated_uid(6)
    ids = platform.ids_of(name)
    first = next(iter(ids))
    view = delete_revision(platform, name, first)
    assert view["stored"] is True
    assert first not in [r["revision"] for r in view["revisions"]]
    assert client.get(f"{DOCUMENTS_PATH}/{ids[first]}").status_code == 404


# Renaming one revision ---------------------------------------------------------------------


def test_a_revision_renamed_alone(platform: Platform, client: httpx.Client) -> None:
    ids = platform.ids_of(DOC)
    view = rename_revision(platform, DOC, "C", "TDX-201")
    assert [(r["revision"], r["name"]) for r in view["revisions"]] == [
        ("A", DOC),
        ("B", DOC),
        ("C", "TDX-201"),
    ]
    assert view["name"] == DOC
    # The object carries its new name at once, and stays in the family's graph.
    assert name_of(client, ids["C"]) == "TDX-201"
    names = {
        d["id"]: d["dataelements"]["name"] for d in by_ids(client, *ids.values()).json()["data"]
    }
    assert names == {ids["A"]: DOC, ids["B"]: DOC, ids["C"]: "TDX-201"}
    assert versions(client, ids["A"]) == {"A": [], "B": ["A"], "C": ["B"]}
    assert versions(client, ids["C"]) == versions(client, ids["A"])
    # Search moves it once the index catches up.
    assert (found(client, DOC), found(client, "TDX-201")) == (["A", "B", "C"], [])
    platform.clock.advance(LAG)
    assert (found(client, DOC), found(client, "TDX-201")) == (["A", "B"], ["C"])


def test_a_revision_renamed_back(platform: Platform, client: httpx.Client) -> None:
    platform.faults(search_lag_seconds=0)
    ids = platform.ids_of(DOC)
    rename_revision(platform, DOC, "B", "ELSEWHERE")
    assert found(client, "ELSEWHERE") == ["B"]
    view = rename_revision(platform, DOC, "B", DOC)
    assert [r["name"] for r in view["revisions"]] == [DOC] * 3
    assert name_of(client, ids["B"]) == DOC
    assert (found(client, DOC), found(client, "ELSEWHERE")) == (["A", "B", "C"], [])


def test_renaming_a_revision_refuses_a_taken_name_and_label(platform: Platform) -> None:
    admin = platform.admin
    taken = admin.post(revision_path(DOC, "A", "rename"), json={"to": "DOC-001"})
    assert taken.status_code == 409  # DOC-001 has an A
    rename_revision(platform, DOC, "C", "DOC-001")  # it has no C
    # Now DOC-001 has a C: the one renamed to it.
    again = admin.post(revision_path(DOC_LEGACY_STATES, "C", "rename"), json={"to": "DOC-001"})
    assert again.status_code == 409
    # Another type may hold the name and label.
    drawing = admin.post(
        revision_path(DRAWING, "A", "rename"), params={"type": "Drawing"}, json={"to": "DOC-001"}
    )
    assert drawing.status_code == 200
    assert admin.post(revision_path(DOC, "Q", "rename"), json={"to": "X"}).status_code == 404
    assert admin.post(revision_path(DOC, "A", "rename"), json={"to": ""}).status_code == 400
    assert admin.post(revision_path(DOC, "A", "rename"), json={}).status_code == 400


def test_a_renamed_revision_goes_with_its_family(platform: Platform, client: httpx.Client) -> None:
    platform.faults(search_lag_seconds=0)
    ids = platform.ids_of(DOC)
    rename_revision(platform, DOC, "C", "TDX-201")
    # Renaming the family leaves the object's own name...
    view = platform.admin.post(f"/_sim/documents/{seg(DOC)}/rename", json={"to": "TDX-301"})
    assert [r["name"] for r in view.json()["revisions"]] == ["TDX-301", "TDX-301", "TDX-201"]
    assert (found(client, "TDX-301"), found(client, "TDX-201")) == (["A", "B"], ["C"])
    # ... and deleting it deletes the object too.
    platform.admin.delete(f"/_sim/documents/{seg('TDX-301')}")
    assert client.get(f"{DOCUMENTS_PATH}/{ids['C']}").status_code == 404
    assert found(client, "TDX-201") == []
    # A reset gives every object its family's name back.
    platform.admin.post("/_sim/reset")
    assert [r["name"] for r in platform.document(DOC)["revisions"]] == [DOC] * 3
    assert found(client, "TDX-201") == []
