"""Query limits, each refused before any ENOVIA call with the contract's code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.gateway.conftest import Simulator, StartGateway


def only_error(result: dict) -> dict:
    assert result["data"] is None, result
    assert len(result["errors"]) == 1, result
    return result["errors"][0]  # type: ignore[no-any-return]


def enovia_calls(sim: Simulator) -> int:
    return int(sim.stats()["total"])


def test_depth(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_max_depth=3)
    deep = """{ actuality(uid: "DOC-001", revision: "A") {
        document { latestRevision { businessStatus { code } } } } }"""
    error = only_error(gateway.query(deep))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "5 levels deep; at most 3" in error["message"]
    via_fragments = """
      query { actuality(uid: "DOC-001", revision: "A") { ...A } }
      fragment A on Actuality { document { ...D } }
      fragment D on Document { latestRevision { ...R } }
      fragment R on Revision { businessStatus { code } }"""
    assert only_error(gateway.query(via_fragments))["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert enovia_calls(sim) == 0
    shallow = '{ document(uid: "DOC-001") { latestRevision { revision } } }'
    assert "errors" not in gateway.query(shallow)


def test_aliases(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_max_aliases=3)
    fields = " ".join(f'd{n}: document(uid: "GEN-{n}") {{ uid }}' for n in range(4))
    error = only_error(gateway.query(f"{{ {fields} }}"))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "4 aliases; at most 3" in error["message"]
    assert enovia_calls(sim) == 0


def test_tokens(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_max_tokens=100)
    uids = ", ".join(f'"GEN-{n}"' for n in range(120))
    error = only_error(gateway.query(f"{{ documents(uids: [{uids}]) {{ uid }} }}"))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "more than 100 tokens" in error["message"]
    assert enovia_calls(sim) == 0


def test_many_small_fields_cannot_add_up_to_a_flood(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_max_cost=50, gateway_max_aliases=100)
    fields = " ".join(
        f'a{n}: actuality(uid: "GEN-{n}", revision: "A") {{ reason }}' for n in range(26)
    )
    error = only_error(gateway.query(f"{{ {fields} }}"))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "could cost 52 ENOVIA calls; at most 50" in error["message"]
    assert enovia_calls(sim) == 0


def test_list_arguments_count_per_item(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_max_cost=250)
    query = """query($uids: [ID!]!) {
      documents(uids: $uids) { uid latestRevision { revision } a: revision(revision: "A") { id } }
    }"""
    result = gateway.query(query, uids=[f"GEN-{n}" for n in range(100)])
    error = only_error(result)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "could cost 300" in error["message"]
    fits = gateway.query(query, uids=[f"GEN-{n}" for n in range(80)])
    assert "errors" not in fits
    assert enovia_calls(sim) > 0


def test_batch_size_counts_variables_before_any_call(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_max_batch=10)
    result = gateway.query(
        """query($uids: [ID!]!) {
          document(uid: "DOC-001") { uid } documents(uids: $uids) { uid }
        }""",
        uids=[f"GEN-{n}" for n in range(11)],
    )
    error = only_error(result)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "11 uids; at most 10" in error["message"]
    assert enovia_calls(sim) == 0  # not even the document asked beside it


def fan_out(levels: int, leaf: str) -> str:
    """`levels` fragments, each spreading the next twice: 2**levels paths to `leaf`, in a
    document of a few hundred bytes."""
    fragments = [f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels - 1)]
    return " ".join(["{ ...F0 }", *fragments, f"fragment F{levels - 1} on Query {{ {leaf} }}"])


def test_fragment_fan_out_is_measured_in_linear_time(start_gateway: StartGateway, sim: Simulator):
    """Seen: 21 levels took 9.6 s (and doubled per level) while a liveness probe waited.
    At 30 levels each limit measures each fragment once: the query answers, and so does a
    probe sent meanwhile, each well within its deadline (before: 2**30 paths walked)."""
    gateway = start_gateway()
    deadline = httpx.Timeout(5.0)
    with ThreadPoolExecutor(max_workers=2) as pool:
        hostile = pool.submit(
            httpx.post,
            f"{gateway.url}/graphql",
            json={"query": fan_out(30, "health { enovia }")},
            timeout=deadline,
        )
        probe = pool.submit(httpx.get, f"{gateway.url}/api/v1/health", timeout=deadline)
        assert probe.result().status_code == 200
        answer = hostile.result()
    assert answer.status_code == 200
    assert answer.json()["data"]["health"]["enovia"] in ("healthy", "unhealthy", "unknown")

    # Had its 2**30 paths each loaded a document, it would cost 2**30 calls: refused, and
    # nothing is sent to ENOVIA.
    calls_before = enovia_calls(sim)  # `health` asked ENOVIA
    loading = httpx.post(
        f"{gateway.url}/graphql",
        json={"query": fan_out(30, 'document(uid: "DOC-001") { uid }')},
        timeout=deadline,
    ).json()
    error = only_error(loading)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert f"could cost {2**29} ENOVIA calls" in error["message"]
    assert enovia_calls(sim) == calls_before


def uid_defaults(variables: int, uids: int) -> str:
    """Seen: 15 variables, each defaulting to 100 distinct uids (not sent), each used by its
    own `documents` alias."""

    def default(v: int) -> str:
        return ", ".join(f'"GEN-{v * uids + n}"' for n in range(uids))

    definitions = ", ".join(f"$v{v}: [ID!]! = [{default(v)}]" for v in range(variables))
    fields = " ".join(
        f"d{v}: documents(uids: $v{v}) {{ latestRevision {{ revision }} }}"
        for v in range(variables)
    )
    return f"query Flood({definitions}) {{ {fields} }}"


def test_variable_defaults_count_as_what_they_hold(start_gateway: StartGateway, sim: Simulator):
    """Seen: a variable left to its default counted as 1 uid, and one 23 KB query made
    3,000 ENOVIA calls against a cost limit of 250."""
    gateway = start_gateway(gateway_max_cost=250, gateway_max_tokens=5000)
    error = only_error(gateway.query(uid_defaults(15, 100)))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "could cost 3000 ENOVIA calls; at most 250" in error["message"]
    assert enovia_calls(sim) == 0

    # A sent value replaces the default, and is what counts.
    small = gateway.query(uid_defaults(1, 100), v0=["DOC-001", "DOC-002"])
    assert "errors" not in small, small
    assert len(small["data"]["d0"]) == 2


def test_max_batch_applies_to_defaults_and_list_literals(
    start_gateway: StartGateway, sim: Simulator
):
    gateway = start_gateway(gateway_max_batch=10, gateway_max_cost=1000)
    by_default = only_error(gateway.query(uid_defaults(1, 11)))
    assert by_default["extensions"]["code"] == "BAD_USER_INPUT"
    assert "documents asks for 11 uids; at most 10" in by_default["message"]
    uids = ", ".join(f'"GEN-{n}"' for n in range(12))
    literal = only_error(gateway.query(f"{{ documents(uids: [{uids}]) {{ uid }} }}"))
    assert literal["extensions"]["code"] == "BAD_USER_INPUT"
    assert "documents asks for 12 uids; at most 10" in literal["message"]
    assert enovia_calls(sim) == 0


def test_body_size(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_max_body_bytes=2048)
    big = {"query": "{ health { enovia } }", "variables": {"pad": "x" * 4096}}
    response = httpx.post(f"{gateway.url}/graphql", json=big)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "larger than 2048 bytes" in response.json()["errors"][0]["message"]

    def chunks():
        yield b'{"query": "{ health { enovia } }", "variables": {"pad": "'
        for _ in range(10):
            yield b"y" * 512
        yield b'"}}'

    streamed = httpx.post(
        f"{gateway.url}/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert enovia_calls(sim) == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_introspection_switch(start_gateway: StartGateway, enabled: bool):
    gateway = start_gateway(gateway_introspection=enabled)
    result = gateway.query("{ __schema { queryType { name } } }")
    if enabled:
        assert result["data"]["__schema"]["queryType"]["name"] == "Query"
    else:
        assert result["data"] is None
        assert {error["extensions"]["code"] for error in result["errors"]} == {"FORBIDDEN"}
        assert "introspection is switched off" in result["errors"][0]["message"]
        typename = gateway.query("{ __typename }")  # not introspection of the schema
        assert typename["data"] == {"__typename": "Query"}


def test_cors_only_for_configured_origins(start_gateway: StartGateway):
    gateway = start_gateway(gateway_cors_origins="https://pte-qr.example.com")
    preflight = httpx.options(
        f"{gateway.url}/graphql",
        headers={
            "Origin": "https://pte-qr.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://pte-qr.example.com"
    other = httpx.options(
        f"{gateway.url}/graphql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers
    simple = httpx.post(
        f"{gateway.url}/graphql",
        json={"query": "{ __typename }"},
        headers={"Origin": "https://evil.example"},
    )
    assert "access-control-allow-origin" not in simple.headers


def test_no_cors_headers_by_default(gateway_default: str):
    response = httpx.post(
        f"{gateway_default}/graphql",
        json={"query": "{ __typename }"},
        headers={"Origin": "https://pte-qr.example.com"},
    )
    assert "access-control-allow-origin" not in response.headers


@pytest.fixture
def gateway_default(start_gateway: StartGateway) -> str:
    return start_gateway().url
