"""3DSpace's document answers: by id, search, many by id, and the version graph."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from enovia.simulators.facade import (
    DOC_GONE,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_TWO_RELEASED,
    DOC_WITH_SLASH,
    generated_uid,
)
from enovia.simulators.facade.model import revision_object_id
from enovia.simulators.platform import (
    AWKWARD_NAMES,
    DOC_AND_DRAWING,
    DOC_BRANCHED,
    DOC_PREFIX_LONG,
    DOC_PREFIX_SHORT,
    DOC_WITH_SEARCH_WORDS,
    DRAWING,
    REV_BRANCH,
)
from tests.enovia.simulators.platform.helpers import (
    DOCUMENTS_PATH,
    SEARCH_PATH,
    Platform,
    by_ids,
    graph,
    hit_names,
    search,
)

DOC = DOC_SUPERSEDED_THEN_RELEASED
DOC_A = revision_object_id(DOC, "A")
DOC_B = revision_object_id(DOC, "B")
ITEM_KEYS = {"id", "type", "identifier", "relativePath", "cestamp", "dataelements"}
ELEMENT_KEYS = {
    "name",
    "title",
    "revision",
    "policy",
    "state",
    "isLatestRevision",
    "originated",
    "modified",
    "description",
    "typeNLS",
    "stateNLS",
}


@pytest.fixture
def client(platform: Platform) -> httpx.Client:
    return platform.session()


def get_document(client: httpx.Client, oid: str) -> httpx.Response:
    return client.get(f"{DOCUMENTS_PATH}/{oid}")


def test_a_document_by_id(client: httpx.Client) -> None:
    response = get_document(client, DOC_B)
    assert response.status_code == 200
    body = response.json()
    assert (body["success"], body["statusCode"], body["items"]) == (True, 200, 1)
    (item,) = body["data"]
    assert set(item) == ITEM_KEYS
    assert set(item["dataelements"]) == ELEMENT_KEYS
    assert item["id"] == item["identifier"] == DOC_B
    assert item["type"] == "Document"
    assert item["relativePath"] == f"/resources/v1/modeler/documents/{DOC_B}"
    assert item["dataelements"] == {
        "name": DOC,
        "title": "План этажа 1, оси А-Ж",
        "revision": "B",
        "policy": "Document Release",
        "state": "RELEASED",
        "isLatestRevision": "TRUE",
        "originated": "2024-03-01T10:30:00Z",
        "modified": "2024-03-01T10:30:00Z",
        "description": "Drawing PTE-AR-0901",
        "typeNLS": "Document",
        "stateNLS": "Released",
    }
    older = get_document(client, DOC_A).json()["data"][0]["dataelements"]
    assert (older["state"], older["isLatestRevision"]) == ("OBSOLETE", "FALSE")
    assert older["originated"] == "2024-01-15T10:30:00Z"


@pytest.mark.parametrize("oid", ["0" * 32, DOC_B.lower(), revision_object_id(DOC_GONE, "A")])
def test_an_unknown_id_is_404(client: httpx.Client, oid: str) -> None:
    response = get_document(client, oid)
    assert response.status_code == 404
    body = response.json()
    assert (body["success"], body["statusCode"]) == (False, 404)
    assert body["error"]


def test_search_by_exact_name(client: httpx.Client) -> None:
    response = search(client, DOC)
    assert hit_names(response) == [(DOC, "Document", "A"), (DOC, "Document", "B")]
    assert response.json()["items"] == 2
    assert [hit["id"] for hit in response.json()["data"]] == [DOC_A, DOC_B]


def test_search_matches_by_prefix_ignoring_case(client: httpx.Client) -> None:
    expected = [(DOC_PREFIX_SHORT, "Document", "A"), (DOC_PREFIX_LONG, "Document", "A")]
    assert hit_names(search(client, DOC_PREFIX_SHORT)) == expected
    assert hit_names(search(client, DOC_PREFIX_SHORT.lower())) == expected


def test_one_name_two_types(client: httpx.Client) -> None:
    hits = search(client, DOC_AND_DRAWING).json()["data"]
    assert [(h["type"], h["dataelements"]["revision"]) for h in hits] == [
        ("Document", "A"),
        ("Drawing", "A"),
        ("Drawing", "B"),
    ]
    assert len({hit["id"] for hit in hits}) == 3
    drawing = hits[1]
    assert drawing["dataelements"]["policy"] != "Document Release"
    assert hit_names(search(client, DRAWING)) == [
        (DRAWING, "Drawing", "A"),
        (DRAWING, "Drawing", "B"),
    ]


@pytest.mark.parametrize("name", [*AWKWARD_NAMES, DOC_WITH_SLASH])
def test_awkward_names_are_found_when_quoted(client: httpx.Client, name: str) -> None:
    assert hit_names(search(client, name)) == [(name, "Document", "A")]


def test_search_syntax_in_a_quoted_name_is_literal(client: httpx.Client) -> None:
    # `*` would match everything, OR would widen the search: quoted, they are characters.
    assert search(client, DOC_WITH_SEARCH_WORDS).json()["items"] == 1


@pytest.mark.parametrize(
    "search_str",
    [
        'name:"TDX "109""',  # an unescaped quote
        'name:"TDX-101',  # unterminated
        'name:"TDX\\',  # ends inside an escape
        'name:""',
        "",
        "   ",
    ],
)
def test_a_broken_search_string_is_400(client: httpx.Client, search_str: str) -> None:
    response = client.get(SEARCH_PATH, params={"searchStr": search_str})
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400


def test_an_unquoted_name_term_is_literal(client: httpx.Client) -> None:
    response = client.get(SEARCH_PATH, params={"searchStr": f"name:{DOC}"})
    assert response.json()["items"] == 2


def test_a_bare_term_searches_names_and_titles(client: httpx.Client) -> None:
    by_name = client.get(SEARCH_PATH, params={"searchStr": "tdx-10"}).json()
    assert {h["dataelements"]["name"] for h in by_name["data"]} >= {DOC_BRANCHED, "TDX-101"}
    by_title = client.get(SEARCH_PATH, params={"searchStr": "roof PLAN"}).json()
    assert {h["dataelements"]["name"] for h in by_title["data"]} == {"DOC-009"}


def test_search_pages(client: httpx.Client) -> None:
    pages = [
        search(client, DOC_BRANCHED, **{"$top": 2, "$skip": skip}).json() for skip in (0, 2, 4)
    ]
    assert [page["items"] for page in pages] == [3, 3, 3]
    labels = [[h["dataelements"]["revision"] for h in page["data"]] for page in pages]
    assert labels == [["A", REV_BRANCH], ["B"], []]


def test_search_pages_50_by_default(client: httpx.Client) -> None:
    body = client.get(SEARCH_PATH, params={"searchStr": "name:PTE-0"}).json()
    assert body["items"] > 50
    assert len(body["data"]) == 50


@pytest.mark.parametrize(("key", "value"), [("$top", "0"), ("$top", "x"), ("$skip", "-1")])
def test_bad_paging_is_400(client: httpx.Client, key: str, value: str) -> None:
    assert search(client, DOC, **{key: value}).status_code == 400


def test_the_gen_family_is_searchable_by_exact_name(client: httpx.Client) -> None:
    name = generated_uid(13)
    response = search(client, name)
    assert hit_names(response) == [(name, "Document", "A"), (name, "Document", "B")]
    assert hit_names(search(client, name.lower())) == hit_names(response)
    ids = [hit["id"] for hit in response.json()["data"]]
    assert ids == [revision_object_id(name, "A"), revision_object_id(name, "B")]
    assert get_document(client, ids[1]).status_code == 200
    assert by_ids(client, *ids).json()["items"] == 2
    assert "versions" in graph(client, ids[0]).json()["results"][0]


def test_gen_ids_are_known_without_a_search(client: httpx.Client) -> None:
    name = generated_uid(12345)
    assert get_document(client, revision_object_id(name, "A")).status_code == 404
    assert search(client, name).json()["items"] == 2
    assert get_document(client, revision_object_id(name, "A")).status_code == 200


def test_doc_gone_is_still_in_the_index(client: httpx.Client) -> None:
    response = search(client, DOC_GONE)
    assert hit_names(response) == [(DOC_GONE, "Document", "A")]
    (oid,) = [hit["id"] for hit in response.json()["data"]]
    assert get_document(client, oid).status_code == 404
    assert by_ids(client, oid).json()["items"] == 0
    assert "errorCode" in graph(client, oid).json()["results"][0]


def test_documents_by_ids(client: httpx.Client) -> None:
    response = by_ids(client, DOC_B, "0" * 32, DOC_A, DOC_B)
    assert response.status_code == 200
    body = response.json()
    assert (body["success"], body["statusCode"], body["items"]) == (True, 200, 2)
    assert [item["id"] for item in body["data"]] == [DOC_B, DOC_A]
    assert set(body["data"][0]) == ITEM_KEYS


def test_documents_by_ids_tolerates_spaces(client: httpx.Client) -> None:
    response = client.post(f"{DOCUMENTS_PATH}/ids", json=f" {DOC_A} , {DOC_B},")
    assert response.json()["items"] == 2


def test_documents_by_ids_takes_at_most_50(client: httpx.Client) -> None:
    assert by_ids(client, *[f"{n:032X}" for n in range(50)]).status_code == 200
    response = by_ids(client, *[f"{n:032X}" for n in range(51)])
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400


@pytest.mark.parametrize("body", [[DOC_A], {"ids": DOC_A}, 5])
def test_documents_by_ids_needs_a_json_string(client: httpx.Client, body: Any) -> None:
    assert client.post(f"{DOCUMENTS_PATH}/ids", json=body).status_code == 400


def versions_of(result: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """label → (state, ancestor ids)."""
    assert all(a["edgeType"] == "VersionOf" for v in result["versions"] for a in v["ancestors"])
    return {
        v["revision"]: (v["maturityState"], [a["id"] for a in v["ancestors"]])
        for v in result["versions"]
    }


def test_the_version_graph(platform: Platform, client: httpx.Client) -> None:
    response = graph(client, DOC_A)
    assert response.status_code == 200
    (result,) = response.json()["results"]
    source = f"{platform.url}/3dspace"
    assert result["id"] == result["identifier"] == DOC_A
    assert (result["type"], result["source"]) == ("Document", source)
    assert result["relativePath"] == f"/resources/v1/modeler/documents/{DOC_A}"
    assert versions_of(result) == {"A": ("OBSOLETE", []), "B": ("RELEASED", [DOC_A])}
    version = next(v for v in result["versions"] if v["revision"] == "B")
    assert version["id"] == version["identifier"] == DOC_B
    assert version["source"] == source
    assert version["ancestors"][0]["source"] == source


def test_a_branch_in_the_graph(platform: Platform, client: httpx.Client) -> None:
    ids = platform.ids_of(DOC_BRANCHED)
    (result,) = graph(client, ids["B"]).json()["results"]
    assert versions_of(result) == {
        "A": ("RELEASED", []),
        REV_BRANCH: ("IN_WORK", [ids["A"]]),
        "B": ("RELEASED", [ids["A"]]),
    }


def test_graph_results_one_per_distinct_asked_id(client: httpx.Client) -> None:
    two = revision_object_id(DOC_TWO_RELEASED, "A")
    results = graph(client, DOC_B, DOC_A, two, DOC_B, "F" * 32).json()["results"]
    assert sorted(r["id"] for r in results) == sorted([DOC_A, DOC_B, two, "F" * 32])
    missing = next(r for r in results if r["id"] == "F" * 32)
    assert "versions" not in missing
    assert missing["errorCode"]
    assert missing["errorMessage"]


def test_graph_takes_at_most_50_objects(platform: Platform, client: httpx.Client) -> None:
    assert graph(client, *[f"{n:032X}" for n in range(50)]).status_code == 200
    response = graph(client, *[f"{n:032X}" for n in range(51)])
    assert response.status_code == 400
    assert set(response.json()) == {"errorCode", "errorMessage"}
    platform.faults(graph_max_objects=2)
    assert graph(client, DOC_A, DOC_B).status_code == 200
    assert graph(client, DOC_A, DOC_B, "F" * 32).status_code == 400


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"data": {}}', b'{"data": [{"id": 5}]}', b'{"data": ["x"]}']
)
def test_a_bad_graph_body_is_400(client: httpx.Client, body: bytes) -> None:
    response = client.post(
        "/3dspace/resources/v1/modeler/dslc/version/getGraph",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert set(response.json()) == {"errorCode", "errorMessage"}


def test_unknown_3dspace_resources(client: httpx.Client) -> None:
    assert client.get("/3dspace/resources/v1/nothing").status_code == 404
    wrong = client.get(f"{DOCUMENTS_PATH}/ids")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert client.post(SEARCH_PATH).status_code == 405
