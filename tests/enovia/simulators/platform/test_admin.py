"""The admin API under `/_sim`: documents, sessions, the batch secret, reset."""

from __future__ import annotations

from typing import Any

import pytest

from enovia.simulators.facade import (
    DOC_GONE,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_TWO_RELEASED,
    DOC_WITH_SLASH,
    generated_uid,
)
from enovia.simulators.facade.model import revision_object_id
from enovia.simulators.platform import (
    DOC_AND_DRAWING,
    DOC_BRANCHED,
    DOC_POLICY_PREFIXED_STATES,
    DOC_WITH_QUOTES,
    DRAWING,
    REV_BRANCH,
)
from tests.enovia.simulators.platform.helpers import (
    BATCH_HEADERS,
    USER,
    Platform,
    hit_names,
    search,
    seg,
)


def states(view: dict[str, Any]) -> dict[str, str]:
    return {r["revision"]: r["maturityState"] for r in view["revisions"]}


def post(platform: Platform, path: str, body: Any = None, **query: str) -> Any:
    response = platform.admin.post(path, json=body, params=query)
    assert response.status_code in (200, 201), response.text
    return response.json()


def doc_path(name: str, *rest: str) -> str:
    return "/_sim/documents/" + "/".join(seg(part) for part in (name, *rest))


def test_index_lists_the_endpoints(platform: Platform) -> None:
    endpoints = platform.admin.get("/_sim/").json()["endpoints"]
    assert "POST /_sim/documents/{name}/rename" in endpoints
    assert "POST /_sim/batch-secret" in endpoints


def test_unknown_paths_methods_and_bodies(platform: Platform) -> None:
    admin = platform.admin
    assert admin.get("/_sim/nothing").status_code == 404
    assert admin.put("/_sim/stats").status_code == 405
    bad = admin.post("/_sim/faults", content=b"{nope")
    assert (bad.status_code, bad.json()["error"]) == (400, "bad_request")
    unknown = admin.post(doc_path(DOC_BRANCHED, "rename"), json={"to": "X", "into": "Y"})
    assert unknown.status_code == 400
    assert "'into'" in unknown.json()["message"]
    assert admin.post(doc_path(DOC_BRANCHED, "rename"), json={"to": ""}).status_code == 400


def test_show_a_document(platform: Platform) -> None:
    view = platform.document(DOC_SUPERSEDED_THEN_RELEASED)
    assert (view["name"], view["type"], view["deleted"], view["stored"]) == (
        DOC_SUPERSEDED_THEN_RELEASED,
        "Document",
        False,
        True,
    )
    assert [(r["revision"], r["madeFrom"]) for r in view["revisions"]] == [
        ("A", None),
        ("B", "A"),
    ]
    assert view["revisions"][0]["id"] == revision_object_id(DOC_SUPERSEDED_THEN_RELEASED, "A")
    assert platform.document(generated_uid(5))["stored"] is False
    assert platform.document(DOC_GONE)["deleted"] is True
    assert platform.admin.get(doc_path("NO-SUCH-DOC")).status_code == 404


def test_names_are_one_encoded_segment(platform: Platform) -> None:
    assert platform.document(DOC_WITH_SLASH)["name"] == DOC_WITH_SLASH
    assert platform.document(DOC_WITH_QUOTES)["name"] == DOC_WITH_QUOTES


def test_type_picks_one_of_two_families(platform: Platform) -> None:
    assert platform.document(DOC_AND_DRAWING)["type"] == "Document"
    drawing = platform.document(DOC_AND_DRAWING, type="Drawing")
    assert (drawing["type"], list(states(drawing))) == ("Drawing", ["A", "B"])
    # A name only a Drawing holds needs no type.
    assert platform.document(DRAWING)["type"] == "Drawing"
    assert platform.admin.get(doc_path(DRAWING), params={"type": "Document"}).status_code == 404
    assert platform.admin.get(doc_path(DRAWING), params={"type": ""}).status_code == 400


def test_list_documents(platform: Platform) -> None:
    families = platform.admin.get("/_sim/documents").json()["families"]
    assert {"name": DOC_GONE, "type": "Document", "deleted": True} in families
    assert {"name": DOC_AND_DRAWING, "type": "Drawing", "deleted": False} in families


def test_add_a_revision_made_from_the_newest(platform: Platform) -> None:
    view = post(
        platform,
        doc_path(DOC_RELEASED_THEN_IN_WORK, "revisions"),
        {"revision": "C", "maturityState": "FROZEN"},
    )
    assert states(view) == {"A": "RELEASED", "B": "IN_WORK", "C": "FROZEN"}
    assert view["revisions"][-1]["madeFrom"] == "B"
    assert view["revisions"][-1]["id"] == revision_object_id(DOC_RELEASED_THEN_IN_WORK, "C")


def test_add_a_revision_made_from_a_chosen_one(platform: Platform) -> None:
    view = post(platform, doc_path(DOC_BRANCHED, "revisions"), {"revision": "A-2", "from": "A"})
    assert (view["revisions"][-1]["madeFrom"], view["revisions"][-1]["maturityState"]) == (
        "A",
        "IN_WORK",
    )
    missing = platform.admin.post(
        doc_path(DOC_BRANCHED, "revisions"), json={"revision": "Z", "from": "Q"}
    )
    assert missing.status_code == 404


def test_adding_creates_a_document(platform: Platform) -> None:
    view = post(platform, doc_path("NEW-DRW", "revisions"), {"revision": "A"}, type="Drawing")
    assert (view["type"], view["stored"], states(view)) == ("Drawing", True, {"A": "IN_WORK"})
    plain = post(platform, doc_path("NEW-DOC", "revisions"), {"revision": "A"})
    assert plain["type"] == "Document"
    assert plain["revisions"][0]["madeFrom"] is None


def test_adding_refuses_taken_labels_and_deleted_documents(platform: Platform) -> None:
    taken = platform.admin.post(doc_path(DOC_BRANCHED, "revisions"), json={"revision": "A"})
    assert taken.status_code == 409
    gone = platform.admin.post(doc_path(DOC_GONE, "revisions"), json={"revision": "B"})
    assert gone.status_code == 410
    nul = platform.admin.post(doc_path(DOC_BRANCHED, "revisions"), json={"revision": "C\x00"})
    assert nul.status_code == 400


def test_change_a_state(platform: Platform) -> None:
    response = platform.admin.patch(
        doc_path(DOC_RELEASED_THEN_IN_WORK, "revisions", "B"), json={"maturityState": "FROZEN"}
    )
    assert response.status_code == 200
    assert states(response.json())["B"] == "FROZEN"
    missing = platform.admin.patch(
        doc_path(DOC_RELEASED_THEN_IN_WORK, "revisions", "Q"), json={"maturityState": "X"}
    )
    assert missing.status_code == 404


def test_release_obsoletes_the_released_ones_on_its_line(platform: Platform) -> None:
    post(platform, doc_path(DOC_TWO_RELEASED, "revisions"), {"revision": "C"})
    view = post(platform, doc_path(DOC_TWO_RELEASED, "revisions", "C", "release"))
    assert states(view) == {"A": "OBSOLETE", "B": "OBSOLETE", "C": "RELEASED"}


def test_release_on_a_branch_leaves_the_other_line(platform: Platform) -> None:
    view = post(platform, doc_path(DOC_BRANCHED, "revisions", REV_BRANCH, "release"))
    assert states(view) == {"A": "OBSOLETE", REV_BRANCH: "RELEASED", "B": "RELEASED"}


def test_release_keeps_a_policy_prefix(platform: Platform) -> None:
    post(platform, doc_path(DOC_POLICY_PREFIXED_STATES, "revisions"), {"revision": "C"})
    view = post(platform, doc_path(DOC_POLICY_PREFIXED_STATES, "revisions", "C", "release"))
    assert states(view) == {
        "A": "Document Release.OBSOLETE",
        "B": "Document Release.OBSOLETE",
        "C": "RELEASED",
    }


def test_obsolete(platform: Platform) -> None:
    view = post(platform, doc_path(DOC_RELEASED_THEN_IN_WORK, "revisions", "A", "obsolete"))
    assert states(view)["A"] == "OBSOLETE"


def test_rename_keeps_the_ids(platform: Platform) -> None:
    before = platform.ids_of(DOC_BRANCHED)
    view = post(platform, doc_path(DOC_BRANCHED, "rename"), {"to": "TDX-RENAMED"})
    assert view["name"] == "TDX-RENAMED"
    assert platform.ids_of("TDX-RENAMED") == before
    assert platform.admin.get(doc_path(DOC_BRANCHED)).status_code == 404


def test_rename_refuses_a_taken_name(platform: Platform) -> None:
    path = doc_path(DOC_BRANCHED, "rename")
    taken = platform.admin.post(path, json={"to": DOC_TWO_RELEASED})
    assert taken.status_code == 409
    assert platform.admin.post(path, json={"to": generated_uid(3)}).status_code == 409
    # Another type may hold the name.
    drawing = post(platform, doc_path(DRAWING, "rename"), {"to": DOC_TWO_RELEASED})
    assert drawing["type"] == "Drawing"


def test_a_renamed_gen_name_stays_free(platform: Platform) -> None:
    name = generated_uid(8)
    ids = platform.ids_of(name)
    post(platform, doc_path(name, "rename"), {"to": "WAS-GEN-8"})
    assert platform.admin.get(doc_path(name)).status_code == 404
    assert platform.ids_of("WAS-GEN-8") == ids
    # A new document under the freed name gets ids of its own.
    new = post(platform, doc_path(name, "revisions"), {"revision": "A"})
    assert new["revisions"][0]["id"] not in ids.values()


def test_delete(platform: Platform) -> None:
    response = platform.admin.delete(doc_path(DOC_AND_DRAWING), params={"type": "Drawing"})
    assert response.json() == {"deleted": DOC_AND_DRAWING, "type": "Drawing"}
    assert platform.document(DOC_AND_DRAWING)["deleted"] is False
    assert platform.admin.delete(doc_path(DOC_GONE)).status_code == 200
    assert platform.admin.delete(doc_path("NO-SUCH-DOC")).status_code == 404
    gone = platform.admin.patch(
        doc_path(DOC_GONE, "revisions", "A"), json={"maturityState": "RELEASED"}
    )
    assert gone.status_code == 410


def test_delete_a_gen_document(platform: Platform) -> None:
    name = generated_uid(4)
    assert platform.admin.delete(doc_path(name)).status_code == 200
    assert platform.document(name)["deleted"] is True
    assert platform.document(generated_uid(5))["deleted"] is False


def test_rotate_the_batch_secret(platform: Platform) -> None:
    client = platform.client()
    assert post(platform, "/_sim/batch-secret", {"secret": "rotated-secret"}) == {"rotated": True}
    assert platform.batch_ticket(client).status_code == 401
    assert platform.batch_ticket(client, **{"DS-Service-Secret": "rotated-secret"}).is_success
    assert platform.admin.post("/_sim/batch-secret", json={}).status_code == 400
    platform.admin.post("/_sim/reset")
    assert platform.batch_ticket(client, **BATCH_HEADERS).status_code == 200


def test_sessions_expire_validates_its_body(platform: Platform) -> None:
    response = platform.admin.post("/_sim/sessions/expire", json={"passport": "yes"})
    assert response.status_code == 400


def test_reset_restores_documents_but_keeps_sessions(platform: Platform) -> None:
    client = platform.session()
    platform.admin.delete(doc_path(DOC_SUPERSEDED_THEN_RELEASED))
    post(platform, doc_path(DOC_BRANCHED, "rename"), {"to": "ELSEWHERE"})
    platform.faults(down=True)
    assert post(platform, "/_sim/reset") == {"reset": True}
    assert platform.document(DOC_SUPERSEDED_THEN_RELEASED)["deleted"] is False
    assert platform.document(DOC_BRANCHED)["name"] == DOC_BRANCHED
    assert platform.faults()["down"] is False
    assert hit_names(search(client, DOC_BRANCHED))[0][0] == DOC_BRANCHED
    assert client.get("/3dspace/resources/modeler/pno/person?current=true").json()["name"] == USER


@pytest.mark.parametrize("fault", [{"down": True}, {"hang": True}, {"error_rate": 1}])
def test_faults_never_apply_to_the_admin_api(platform: Platform, fault: dict[str, Any]) -> None:
    platform.faults(**fault)
    assert platform.admin.get("/_sim/stats").status_code == 200
    assert platform.admin.get(doc_path(DOC_BRANCHED)).status_code == 200
    platform.faults(down=False, hang=False, error_rate=0)
