"""`actualities`: a drawing set (a site binder) checked in one query, on either upstream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from enovia.simulators.facade import (
    CATALOGUE_UIDS,
    DOC_MISSING,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
)
from tests.gateway.conftest import Gateway
from tests.gateway.testbeds import Testbed

DRAWING_SET = (
    Path(__file__).resolve().parents[2] / "queries" / "DrawingSetCheck.graphql"
).read_text()


def check(gateway: Gateway, items: list[dict[str, str]], **variables: Any) -> dict[str, Any]:
    return gateway.query(DRAWING_SET, items=items, **variables)


def ref(uid: str, revision: str) -> dict[str, str]:
    return {"uid": uid, "revision": revision}


def test_one_verdict_per_item_in_the_order_asked(testbed: Testbed):
    gateway = testbed.start()
    items = [
        ref(DOC_SUPERSEDED_THEN_RELEASED, "A"),
        ref(DOC_SUPERSEDED_THEN_RELEASED, "B"),
        ref(DOC_RELEASED_THEN_IN_WORK, "B"),
        ref(DOC_MISSING, "A"),
        ref(DOC_RELEASED_THEN_IN_WORK, "A"),
    ]
    answer = check(gateway, items)
    assert "errors" not in answer
    verdicts = answer["data"]["actualities"]
    assert [v["reason"] for v in verdicts] == [
        "SUPERSEDED",
        "CURRENT",
        "NOT_RELEASED",
        "DOCUMENT_NOT_FOUND",
        "CURRENT",
    ]
    assert [v["isActual"] for v in verdicts] == [False, True, False, False, True]
    assert verdicts[0]["latestRevision"] == {"revision": "B"}
    assert {v["freshness"] for v in verdicts} == {"LIVE"}


def test_an_item_that_cannot_be_checked_is_null_with_its_error(testbed: Testbed):
    gateway = testbed.start()
    items = [ref(DOC_SUPERSEDED_THEN_RELEASED, "B"), ref("", "A"), ref("DOC-004", "x" * 300)]
    answer = check(gateway, items)
    verdicts = answer["data"]["actualities"]
    assert verdicts[0]["reason"] == "CURRENT"
    assert verdicts[1:] == [None, None]
    errors = {tuple(error["path"]): error for error in answer["errors"]}
    assert set(errors) == {("actualities", 1), ("actualities", 2)}
    assert {error["extensions"]["code"] for error in errors.values()} == {"BAD_USER_INPUT"}
    assert "uid must not be empty" in errors[("actualities", 1)]["message"]


def test_an_upstream_failure_fails_its_items_only(testbed: Testbed):
    gateway = testbed.start()
    testbed.sim.faults(malformed={DOC_RELEASED_THEN_IN_WORK: "not_json"})
    items = [ref(DOC_SUPERSEDED_THEN_RELEASED, "B"), ref(DOC_RELEASED_THEN_IN_WORK, "A")]
    answer = check(gateway, items)
    assert answer["data"]["actualities"][0]["reason"] == "CURRENT"
    assert answer["data"]["actualities"][1] is None
    (error,) = answer["errors"]
    assert error["path"] == ["actualities", 1]
    assert error["extensions"]["code"] == "UPSTREAM_BAD_RESPONSE"


def test_a_hundred_items_cost_the_counted_calls_in_one_round_trip(testbed: Testbed):
    gateway = testbed.start()
    check(gateway, [ref("GEN-1", "A")])  # logged in: only the data calls remain to count
    before = testbed.sim.calls()
    uids = list(CATALOGUE_UIDS[:50])
    # 100 items: every document twice, once by its first revision and once by its last.
    items = [ref(uid, "A") for uid in uids] + [ref(uid, "A") for uid in reversed(uids)]
    # Long enough that the last call goes out before the first answers, on a busy machine too.
    testbed.sim.faults(latency_ms=1000)
    answer = check(gateway, items)
    testbed.sim.faults(latency_ms=0)
    assert "errors" not in answer, answer["errors"][:1]
    assert len(answer["data"]["actualities"]) == 100
    calls = testbed.sim.calls() - before
    peak = testbed.sim.stats()["peak_concurrency"]
    if testbed.name == "facade":
        # Each document's revision A and its latest, once each however often asked.
        assert calls == 100
        assert peak >= 100  # all in flight together: one round trip
    else:
        from enovia.simulators.platform import DOCUMENTS_BY_IDS, GRAPH, SEARCH

        assert testbed.sim.calls(SEARCH) - 1 == 50  # one search per distinct name
        assert testbed.sim.calls(GRAPH) - 1 == 1  # the 50 documents in one graph call
        assert testbed.sim.calls(DOCUMENTS_BY_IDS) - 1 <= 3


def test_more_items_than_max_batch_are_refused_before_any_call(testbed: Testbed):
    gateway = testbed.start(gateway_max_batch=10)
    before = testbed.sim.calls()
    answer = check(gateway, [ref(f"GEN-{n}", "A") for n in range(11)])
    assert answer.get("data") is None
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "11 items; at most 10" in error["message"]
    assert testbed.sim.calls() == before


def test_the_cost_limit_counts_each_item(testbed: Testbed):
    gateway = testbed.start(gateway_max_cost=20, gateway_max_batch=100)
    answer = check(gateway, [ref(f"GEN-{n}", "A") for n in range(11)])
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "could cost 22" in error["message"]


def test_each_item_obeys_max_age(testbed: Testbed):
    """A cached verdict within maxAge is CACHED; maxAge 0 asks again, for every item."""
    gateway = testbed.start()
    items = [ref(DOC_SUPERSEDED_THEN_RELEASED, "B"), ref(DOC_RELEASED_THEN_IN_WORK, "A")]
    check(gateway, items, maxAge=300)
    cached = check(gateway, items, maxAge=300)["data"]["actualities"]
    assert {v["freshness"] for v in cached} == {"CACHED"}
    before = testbed.sim.calls()
    testbed.release_new(DOC_SUPERSEDED_THEN_RELEASED, "C")
    live = check(gateway, items, maxAge=0)["data"]["actualities"]
    assert {v["freshness"] for v in live} == {"LIVE"}
    assert live[0]["reason"] in {"SUPERSEDED", "NEWER_REVISION_RELEASED"}
    assert testbed.sim.calls() > before
