"""Bad input of every kind: a clear error with a code, never a 5xx, never a stray ENOVIA call."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"5", "a number"),
        (b"null", "null"),
        (b"true", "a boolean"),
        (b' "x"', "a string"),
        (b"1.5", "a number"),
    ],
)
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_json_that_is_not_an_object_gets_a_graphql_400(
    gateway: Gateway, sim: Simulator, body: bytes, kind: str, accept: str
):
    """Seen: these bodies answered 500, text/plain, with no X-Request-ID."""
    response = post(
        gateway,
        content=body,
        headers={"Content-Type": "application/json", "Accept": accept, "X-Request-ID": "fuzz-1"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(accept)
    assert response.headers["x-request-id"] == "fuzz-1"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"the body is {kind}; it must be a JSON object" in error["message"]
    assert sim.stats()["total"] == 0


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


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
#: Values a GraphQL request's members may plausibly hold, besides anything at all.
member_values = json_values | st.sampled_from(
    [
        "{ __typename }",
        '{ document(uid: "DOC-001") { uid } }',
        "query($u: ID!) { document(uid: $u) { uid } }",
        "{",
        "mutation { x }",
        "subscription { x }",
        {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": None},
        {"u": "DOC-001"},
    ]
)
graphql_requests = st.fixed_dictionaries(
    {},
    optional={
        "query": member_values,
        "variables": member_values,
        "operationName": member_values,
        "extensions": member_values,
    },
)
accepts = st.sampled_from(
    ["application/json", "application/graphql-response+json", "*/*", "", "image/png"]
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "",
        "application/graphql-response+json",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ]
)


def assert_json_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    media = response.headers.get("content-type", "")
    assert media.startswith(("application/json", "application/graphql-response+json")), media
    response.json()
    assert response.headers.get("x-request-id")


fuzz_settings = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@fuzz_settings
@given(
    body=st.one_of(
        graphql_requests.map(lambda value: json.dumps(value).encode()),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=200),
    ),
    content_type=content_types,
    accept=accepts,
)
def test_any_post_body_gets_a_json_answer_never_a_5xx(
    fuzz_target: tuple[Gateway, str], body: bytes, content_type: str, accept: str
):
    gateway, _ = fuzz_target
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    assert_json_answer(post(gateway, content=body, headers=headers))


query_parameters = st.dictionaries(
    st.sampled_from(["query", "variables", "operationName", "extensions"]) | st.text(max_size=8),
    member_values.map(lambda value: value if isinstance(value, str) else json.dumps(value))
    | st.text(max_size=60),
    max_size=4,
)


@fuzz_settings
@given(params=query_parameters, accept=accepts)
def test_any_get_gets_a_json_answer_never_a_5xx(
    fuzz_target: tuple[Gateway, str], params: dict[str, str], accept: str
):
    gateway, _ = fuzz_target
    response = httpx.get(
        f"{gateway.url}/graphql", params=params, headers={"Accept": accept}, timeout=30
    )
    assert_json_answer(response)
