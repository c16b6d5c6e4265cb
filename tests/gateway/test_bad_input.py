"""Bad input of every kind: a clear error with a code, never a 5xx, never a stray ENOVIA call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.conftest import Gateway, Simulator

TEMPLATES = [
    re.compile(r"^/api/v1/documents/[^/]+$"),
    re.compile(r"^/api/v1/documents/[^/]+/revisions/[^/]+$"),
    re.compile(r"^/api/v1/documents/[^/]+/revisions/latest$"),
    re.compile(r"^/api/v1/health$"),
    re.compile(r"^/oauth2/token$"),
]


def post(gateway: Gateway, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{gateway.url}/graphql", timeout=30, **kwargs)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"content": b'{"query": '}, "Unable to parse request body as JSON"),
        ({"content": b"\xff\xfe\x00garbage"}, "Unable to parse"),
        ({"json": {"query": 5}}, "`query` must be a string"),
        ({"json": {"query": "{ __typename }", "variables": [1]}}, "`variables` must be an object"),
        ({"json": {}}, "No GraphQL query found"),
        ({"json": [1, 2]}, "Batching is not enabled"),
        ({"json": {"query": "query A { __typename }", "operationName": "B"}}, "Unknown operation"),
    ],
)
def test_malformed_requests_get_400_with_a_code(gateway: Gateway, body: dict[str, Any], says: str):
    headers = {"Content-Type": "application/json"} if "content" in body else {}
    response = post(gateway, headers=headers, **body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert says in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_get_with_a_mutation_is_refused(gateway: Gateway):
    response = httpx.get(f"{gateway.url}/graphql", params={"query": "mutation { x }"})
    assert response.status_code in {400, 405}
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("query", "variables", "says"),
    [
        ("mutation { x }", None, "mutation operation is not supported"),
        ("query($u: ID!) { document(uid: $u) { uid } }", {"u": {"a": 1}}, "invalid value"),
        ("query($u: ID!) { document(uid: $u) { uid } }", {}, "non-null type 'ID!' to be provided"),
        ("{ document { uid } }", None, "Query.document(uid:)' of type 'ID!' is required"),
        ("{ nothing }", None, "Cannot query field 'nothing'"),
        ('{ document(uid: "x") { uid', None, "Syntax Error"),
        ("query A { __typename } query A { __typename }", None, "only one operation named 'A'"),
        ("{ ...F } fragment F on Query { ...F }", None, "Cannot spread fragment 'F' within itself"),
    ],
)
def test_invalid_operations_are_bad_user_input(
    gateway: Gateway, sim: Simulator, query: str, variables: dict[str, Any] | None, says: str
):
    response = post(gateway, json={"query": query, "variables": variables})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert says in body["errors"][0]["message"]
    assert {error["extensions"]["code"] for error in body["errors"]} == {"BAD_USER_INPUT"}
    assert sim.stats()["total"] == 0


def test_huge_strings_are_refused_early(gateway: Gateway, sim: Simulator):
    huge_uid = "A" * 60_000
    response = post(
        gateway,
        json={
            "query": "query($u: ID!) { document(uid: $u) { uid } }",
            "variables": {"u": huge_uid},
        },
    )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at most 256" in body["errors"][0]["message"]
    assert huge_uid not in response.text
    assert sim.stats()["total"] == 0


def test_repeated_fragments_are_bounded(gateway: Gateway, sim: Simulator):
    fragments = (
        "fragment R on Query { "
        + " ".join(
            f'a{n}: actuality(uid: "GEN-{n}", revision: "A") {{ reason }}' for n in range(15)
        )
        + " }"
    )
    query = "{ " + " ".join(["...R"] * 20) + " } " + fragments
    body = post(gateway, json={"query": query}).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert sim.stats()["total"] == 0


def test_deeply_nested_input_does_not_crash(gateway: Gateway):
    nested = "{ __typename " + "... on Query { " * 300 + "__typename" + " }" * 300 + " }"
    response = post(gateway, json={"query": nested})
    assert response.status_code in {200, 400}
    assert response.json()["errors"][0]["extensions"]["code"] in {
        "QUERY_TOO_COMPLEX",
        "BAD_USER_INPUT",
    }


@pytest.fixture(scope="module")
def fuzz_target(simulator_url: str) -> Iterator[tuple[Gateway, str]]:
    from gateway.app import create_app
    from gateway.serving import serve_in_thread
    from tests.gateway.conftest import no_sleep, settings_for

    app = create_app(settings_for(simulator_url), sleep=no_sleep)
    with serve_in_thread(app) as url:
        yield Gateway(url), simulator_url


identifiers = st.text(max_size=300) | st.sampled_from(
    [
        "",
        ".",
        "..",
        "latest",
        "a/../b",
        "%2F",
        "?x=1",
        "#",
        "DOC 011",
        "ЧЕРТЕЖ-013",
        "\x00",
        "\u202e",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(uid=identifiers, revision=identifiers)
def test_fuzzed_identifiers_never_leave_the_four_paths_and_never_5xx(
    fuzz_target: tuple[Gateway, str], uid: str, revision: str
):
    gateway, simulator_url = fuzz_target
    response = post(
        gateway,
        json={
            "query": """query($uid: ID!, $rev: String!) {
              document(uid: $uid) {
                uid latestRevision { revision } revision(revision: $rev) { id }
              }
              actuality(uid: $uid, revision: $rev) { reason }
              documents(uids: [$uid, $uid]) { uid }
            }""",
            "variables": {"uid": uid, "rev": revision},
        },
    )
    assert response.status_code < 500
    assert response.status_code == 200
    stats = httpx.get(f"{simulator_url}/_sim/stats").json()
    assert stats["calls"]["unmatched"] == 0
    for path in stats["calls_by_path"]:
        assert any(template.match(path) for template in TEMPLATES), path
