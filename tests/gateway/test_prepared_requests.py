"""A request whose document the gateway has run before takes the short way
(`GatewaySchema.prepared`, `GatewayGraphQL._run_prepared`): it must be answered exactly as the
first, which took the full way through Strawberry's view (status, media type, body)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import Gateway, Simulator, StartGateway

GRAPHQL_RESPONSE = "application/graphql-response+json"
CARD = "query Card($uid: ID!) { document(uid: $uid) { uid title latestRevision { revision } } }"
TWO = (
    'query Missing { document(uid: "DOC-NOPE") { uid } } '
    'query Known { document(uid: "DOC-001") { uid number } }'
)


@pytest.fixture
def gateway(start_gateway: StartGateway) -> Gateway:
    # Off: a replay would answer the second request before either way could.
    return start_gateway(gateway_response_cache_entries=0)


def post(gateway: Gateway, body: dict[str, Any], accept: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.post(f"{gateway.url}/graphql", json=body, headers=headers, timeout=30)


def twice(gateway: Gateway, body: dict[str, Any], accept: str | None = None) -> httpx.Response:
    """The answer, the same the second time, when the document was prepared."""
    full, short = post(gateway, body, accept), post(gateway, body, accept)
    assert (short.status_code, short.headers["content-type"], short.json()) == (
        full.status_code,
        full.headers["content-type"],
        full.json(),
    )
    return short


@pytest.mark.parametrize("accept", [None, "application/json", GRAPHQL_RESPONSE])
def test_an_answer_with_data(gateway: Gateway, sim: Simulator, accept: str | None):
    answer = twice(gateway, {"query": CARD, "variables": {"uid": "DOC-001"}}, accept)
    assert answer.status_code == 200
    assert answer.json()["data"]["document"]["uid"] == "DOC-001"


def test_field_errors_keep_their_codes_and_paths(gateway: Gateway, sim: Simulator):
    answer = twice(gateway, {"query": CARD, "variables": {"uid": "DOC-NOPE"}}, GRAPHQL_RESPONSE)
    assert answer.status_code == 200
    (error,) = answer.json()["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["document"], "NOT_FOUND")


def test_the_operation_chosen_by_name(gateway: Gateway, sim: Simulator):
    known = twice(gateway, {"query": TWO, "operationName": "Known"})
    assert known.json() == {"data": {"document": {"uid": "DOC-001", "number": "PTE-AR-0901"}}}
    missing = twice(gateway, {"query": TWO, "operationName": "Missing"})
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # No name in a document of two: the full way each time (Strawberry's view runs the
    # first operation).
    first = twice(gateway, {"query": TWO}, GRAPHQL_RESPONSE)
    assert first.json()["errors"][0]["path"] == ["document"]


@pytest.mark.parametrize(("accept", "status"), [("application/json", 200), (GRAPHQL_RESPONSE, 400)])
def test_variables_that_do_not_fit_are_a_request_error(
    gateway: Gateway, sim: Simulator, accept: str, status: int
):
    post(gateway, {"query": CARD, "variables": {"uid": "DOC-001"}})  # prepared
    answer = twice(gateway, {"query": CARD, "variables": {"uid": ["DOC-001"]}}, accept)
    assert answer.status_code == status
    body = answer.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert ("data" in body) is (accept == "application/json")


def test_over_the_limits_is_refused_every_time(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_response_cache_entries=0, gateway_max_batch=2)
    query = "query Many($uids: [ID!]!) { documents(uids: $uids) { uid } }"
    one = {"query": query, "variables": {"uids": ["DOC-001"]}}
    assert "errors" not in post(gateway, one).json()
    three = {"query": query, "variables": {"uids": ["DOC-001", "DOC-002", "DOC-003"]}}
    (error,) = twice(gateway, three).json()["errors"]
    assert error["message"] == "documents asks for 3 uids; at most 2 are allowed"


def test_a_persisted_query_sent_the_short_way_is_registered(gateway: Gateway, sim: Simulator):
    digest = hashlib.sha256(CARD.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    variables = {"uid": "DOC-001"}
    post(gateway, {"query": CARD, "variables": variables})  # prepared, without its hash
    with_hash = post(gateway, {"query": CARD, "variables": variables, "extensions": persisted})
    assert with_hash.json()["data"]["document"]["uid"] == "DOC-001"
    by_hash = twice(gateway, {"variables": variables, "extensions": persisted})
    assert by_hash.json() == with_hash.json()


def test_operations_are_counted_by_name_and_outcome(gateway: Gateway, sim: Simulator):
    for _ in range(3):
        post(gateway, {"query": CARD, "variables": {"uid": "DOC-001"}})
        post(gateway, {"query": CARD, "variables": {"uid": "DOC-NOPE"}})
    metrics = httpx.get(f"{gateway.url}/metrics", timeout=30).text
    assert 'graphql_requests_total{operation="Card",outcome="ok"} 3.0' in metrics
    assert 'graphql_requests_total{operation="Card",outcome="error"} 3.0' in metrics
