"""Query limits, each refused before any ENOVIA call with the contract's code."""

from __future__ import annotations

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
