"""The response cache replays an answer only when executing again would give the same one."""

from __future__ import annotations

from enovia.simulators.facade import DOC_RELEASED_THEN_IN_WORK
from tests.gateway.conftest import Gateway, Simulator, StartGateway, invalidate

CARD = """query Card($uid: ID!) {
  document(uid: $uid) {
    uid title freshness checkedAt latestRevision { revision freshness checkedAt }
  }
}"""


def card(gateway: Gateway, uid: str = DOC_RELEASED_THEN_IN_WORK) -> dict:
    result = gateway.query(CARD, uid=uid)
    assert "errors" not in result
    return result["data"]["document"]  # type: ignore[no-any-return]


def test_a_replay_is_what_executing_again_would_answer(gateway: Gateway, sim: Simulator):
    live = card(gateway)
    cached = card(gateway)  # executed: every part from the cache, so it is kept
    replayed = card(gateway)
    assert live["freshness"] == "LIVE"
    assert cached["freshness"] == cached["latestRevision"]["freshness"] == "CACHED"
    assert replayed == cached
    assert sim.calls() == 2


def test_a_newer_entry_ends_the_replay(gateway: Gateway, sim: Simulator):
    card(gateway)
    before = card(gateway)
    sim.add_revision(
        DOC_RELEASED_THEN_IN_WORK, revision="C", maturityState="Released", supersede_previous=True
    )
    # An actuality check asks ENOVIA now and stores what it got: a newer latest revision.
    check = gateway.query(
        'query { actuality(uid: "DOC-002", revision: "A") { reason latestRevision { revision } } }'
    )
    assert check["data"]["actuality"]["latestRevision"] == {"revision": "C"}
    after = card(gateway)
    assert after["latestRevision"]["revision"] == "C"
    assert after["latestRevision"]["checkedAt"] > before["latestRevision"]["checkedAt"]


def test_invalidation_ends_the_replay(gateway: Gateway, sim: Simulator):
    card(gateway)
    card(gateway)
    invalidate(gateway.url, {"uids": [DOC_RELEASED_THEN_IN_WORK]}).raise_for_status()
    assert card(gateway)["freshness"] == "LIVE"


def test_actuality_asking_now_is_never_replayed(gateway: Gateway, sim: Simulator):
    query = 'query { actuality(uid: "DOC-002", revision: "A") { reason freshness } }'
    answers = [gateway.query(query)["data"]["actuality"] for _ in range(3)]
    assert {answer["freshness"] for answer in answers} == {"LIVE"}
    assert sim.calls("GET /api/v1/documents/{doc_uid}/revisions/latest") == 3


def test_errors_are_never_replayed(gateway: Gateway, sim: Simulator):
    query = 'query { a: document(uid: "DOC-001") { uid } b: document(uid: "DOC-MISSING") { uid } }'
    for _ in range(3):
        assert gateway.query(query)["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_it_can_be_switched_off(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_response_cache_entries=0)
    assert [card(gateway)["freshness"] for _ in range(3)] == ["LIVE", "CACHED", "CACHED"]
