"""The search index lags: changes reach documents/{id}, ids and the graph at once, search
only once `search_lag_seconds` have passed (on the simulator's clock)."""

from __future__ import annotations

import httpx
import pytest

from enovia.simulators.facade import (
    DOC_IN_WORK_ONLY,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
    generated_uid,
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


@pytest.fixture
def client(platform: Platform) -> httpx.Client:
    platform.faults(search_lag_seconds=LAG)
    return platform.session()


def labels(client: httpx.Client, name: str) -> list[str]:
    return [label for found, _, label in hit_names(search(client, name)) if found == name]


def add_revision(platform: Platform, name: str, label: str, **query: str) -> str:
    response = platform.admin.post(
        f"/_sim/documents/{seg(name)}/revisions", params=query, json={"revision": label}
    )
    assert response.status_code == 201, response.text
    oid: str = response.json()["revisions"][-1]["id"]
    return oid


def test_a_new_revision_is_searchable_only_after_the_lag(
    platform: Platform, client: httpx.Client
) -> None:
    name = DOC_RELEASED_THEN_IN_WORK
    oid = add_revision(platform, name, "C")
    assert client.get(f"{DOCUMENTS_PATH}/{oid}").status_code == 200
    assert by_ids(client, oid).json()["items"] == 1
    (result,) = graph(client, platform.ids_of(name)["A"]).json()["results"]
    assert {v["revision"] for v in result["versions"]} == {"A", "B", "C"}
    assert labels(client, name) == ["A", "B"]
    platform.clock.advance(LAG - 1)
    assert labels(client, name) == ["A", "B"]
    platform.clock.advance(1)
    assert labels(client, name) == ["A", "B", "C"]


def test_a_deletion_reaches_search_after_the_lag(platform: Platform, client: httpx.Client) -> None:
    name = DOC_SUPERSEDED_THEN_RELEASED
    ids = platform.ids_of(name)
    assert platform.admin.delete(f"/_sim/documents/{seg(name)}").status_code == 200
    assert client.get(f"{DOCUMENTS_PATH}/{ids['B']}").status_code == 404
    assert "errorCode" in graph(client, ids["B"]).json()["results"][0]
    assert labels(client, name) == ["A", "B"]
    platform.clock.advance(LAG)
    assert labels(client, name) == []


def test_a_rename_reaches_search_after_the_lag(platform: Platform, client: httpx.Client) -> None:
    old, new = DOC_IN_WORK_ONLY, "RENAMED-004"
    (oid,) = platform.ids_of(old).values()
    response = platform.admin.post(f"/_sim/documents/{seg(old)}/rename", json={"to": new})
    assert response.status_code == 200
    element = client.get(f"{DOCUMENTS_PATH}/{oid}").json()["data"][0]["dataelements"]
    assert element["name"] == new
    # The stale hit still shows the old name: the index saw it so.
    assert hit_names(search(client, old)) == [(old, "Document", "A")]
    assert labels(client, new) == []
    platform.clock.advance(LAG)
    assert labels(client, old) == []
    assert hit_names(search(client, new)) == [(new, "Document", "A")]


def test_a_new_document_is_searchable_only_after_the_lag(
    platform: Platform, client: httpx.Client
) -> None:
    oid = add_revision(platform, "NEW-DOC", "A")
    assert client.get(f"{DOCUMENTS_PATH}/{oid}").status_code == 200
    assert labels(client, "NEW-DOC") == []
    platform.clock.advance(LAG)
    assert labels(client, "NEW-DOC") == ["A"]


def test_a_changed_gen_document_is_seen_as_generated_until_the_lag(
    platform: Platform, client: httpx.Client
) -> None:
    name = generated_uid(21)
    add_revision(platform, name, "C")
    assert labels(client, name) == ["A", "B"]
    platform.clock.advance(LAG)
    assert labels(client, name) == ["A", "B", "C"]


def test_a_state_change_shows_stale_in_search(platform: Platform, client: httpx.Client) -> None:
    name = DOC_RELEASED_THEN_IN_WORK
    platform.admin.post(f"/_sim/documents/{seg(name)}/revisions/B/release")
    hit = search(client, name).json()["data"][1]
    assert hit["dataelements"]["state"] == "IN_WORK"
    platform.clock.advance(LAG)
    hit = search(client, name).json()["data"][1]
    assert hit["dataelements"]["state"] == "RELEASED"


def test_a_lag_set_after_a_change_still_applies(platform: Platform) -> None:
    client = platform.session()
    add_revision(platform, DOC_RELEASED_THEN_IN_WORK, "C")
    platform.faults(search_lag_seconds=LAG)
    assert labels(client, DOC_RELEASED_THEN_IN_WORK) == ["A", "B"]


def test_without_lag_search_is_current(platform: Platform) -> None:
    client = platform.session()
    add_revision(platform, DOC_RELEASED_THEN_IN_WORK, "C")
    assert labels(client, DOC_RELEASED_THEN_IN_WORK) == ["A", "B", "C"]


def test_reset_brings_the_index_back_in_step(platform: Platform, client: httpx.Client) -> None:
    add_revision(platform, "NEW-DOC", "A")
    platform.admin.post("/_sim/reset")
    platform.clock.advance(LAG)
    assert labels(client, "NEW-DOC") == []
    assert labels(client, DOC_SUPERSEDED_THEN_RELEASED) == ["A", "B"]
