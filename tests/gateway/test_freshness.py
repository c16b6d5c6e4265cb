"""LIVE, CACHED and STALE, each when it should; changes in ENOVIA seen at once by actuality."""

from __future__ import annotations

from enovia.simulators.facade import DOC_RELEASED_THEN_IN_WORK, DOC_SUPERSEDED_THEN_RELEASED
from tests.gateway.conftest import Gateway, Simulator, StartGateway

DOC = "query($uid: ID!) { document(uid: $uid) { uid title freshness checkedAt } }"
ACTUALITY = """query($uid: ID!, $revision: String!, $maxAge: Int) {
  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {
    isActual reason freshness checkedAt latestRevision { revision }
    businessStatus { code ru: label en: label(lang: "en") }
  }
}"""


def test_live_then_cached(gateway: Gateway):
    first = gateway.query(DOC, uid=DOC_SUPERSEDED_THEN_RELEASED)["data"]["document"]
    second = gateway.query(DOC, uid=DOC_SUPERSEDED_THEN_RELEASED)["data"]["document"]
    assert first["freshness"] == "LIVE"
    assert second["freshness"] == "CACHED"
    assert second["checkedAt"] == first["checkedAt"]


def test_stale_when_enovia_fails_after_the_ttl(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_cache_ttl_document=0)
    first = gateway.query(DOC, uid=DOC_SUPERSEDED_THEN_RELEASED)["data"]["document"]
    assert first["freshness"] == "LIVE"
    sim.faults(down=True)
    stale = gateway.query(DOC, uid=DOC_SUPERSEDED_THEN_RELEASED)
    assert "errors" not in stale
    assert stale["data"]["document"]["freshness"] == "STALE"
    assert stale["data"]["document"]["checkedAt"] == first["checkedAt"]
    sim.faults(down=False)
    assert (
        gateway.query(DOC, uid=DOC_SUPERSEDED_THEN_RELEASED)["data"]["document"]["freshness"]
        == "LIVE"
    )


def test_no_stale_beyond_max_stale(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_cache_ttl_document=0, gateway_cache_max_stale=0)
    gateway.query(DOC, uid=DOC_SUPERSEDED_THEN_RELEASED)
    sim.faults(down=True)
    result = gateway.query(DOC, uid=DOC_SUPERSEDED_THEN_RELEASED)
    assert result["data"]["document"] is None
    assert result["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"


def test_nothing_cached_and_enovia_down_is_upstream_unavailable(gateway: Gateway, sim: Simulator):
    sim.faults(down=True)
    result = gateway.query(ACTUALITY, uid=DOC_SUPERSEDED_THEN_RELEASED, revision="B")
    assert result["data"]["actuality"] is None
    assert result["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert result["errors"][0]["path"] == ["actuality"]


def test_a_release_in_enovia_is_seen_at_once_by_actuality(gateway: Gateway, sim: Simulator):
    uid = DOC_RELEASED_THEN_IN_WORK
    before = gateway.query(ACTUALITY, uid=uid, revision="A")["data"]["actuality"]
    assert before["reason"] == "CURRENT"
    assert before["isActual"] is True
    assert before["businessStatus"] == {
        "code": "APPROVED_FOR_CONSTRUCTION",
        "ru": "Утвержден для строительства",
        "en": "Approved for construction",
    }
    sim.add_revision(uid, revision="C", maturityState="Released", supersede_previous=True)
    after = gateway.query(ACTUALITY, uid=uid, revision="A")["data"]["actuality"]
    assert after["isActual"] is False
    assert after["reason"] == "SUPERSEDED"
    assert after["latestRevision"] == {"revision": "C"}
    assert after["freshness"] == "LIVE"


def test_max_age_allows_a_cached_verdict(gateway: Gateway, sim: Simulator):
    uid = DOC_SUPERSEDED_THEN_RELEASED
    gateway.query(ACTUALITY, uid=uid, revision="B", maxAge=300)
    again = gateway.query(ACTUALITY, uid=uid, revision="B", maxAge=300)["data"]["actuality"]
    assert again["freshness"] == "CACHED"
    negative = gateway.query(ACTUALITY, uid=uid, revision="B", maxAge=-1)
    assert negative["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "maxAge" in negative["errors"][0]["message"]
