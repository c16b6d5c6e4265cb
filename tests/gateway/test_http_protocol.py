"""GraphQL over HTTP: content negotiation and status codes, and persisted operations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from gateway.cli import main
from gateway.persisted import build_manifest, canonical
from tests.gateway.conftest import Gateway, Simulator, StartGateway

GRAPHQL_RESPONSE = "application/graphql-response+json"
QUERY = '{ document(uid: "DOC-001") { uid } }'


def post(gateway: Gateway, body: object, accept: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.post(f"{gateway.url}/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
    ],
)
def test_the_answer_has_the_media_type_the_client_prefers(
    gateway: Gateway, accept: str | None, media: str
):
    response = post(gateway, {"query": QUERY}, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert response.json() == {"data": {"document": {"uid": "DOC-001"}}}


def test_unacceptable_accept_is_406(gateway: Gateway):
    response = post(gateway, {"query": QUERY}, "text/plain")
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("query", ["{ nothing }", "{", "query($a: Int!) { __typename }"])
def test_request_errors_are_400_without_data_for_graphql_response_json(
    gateway: Gateway, query: str
):
    modern = post(gateway, {"query": query}, GRAPHQL_RESPONSE)
    assert modern.status_code == 400
    assert "data" not in modern.json()
    assert modern.json()["errors"]
    legacy = post(gateway, {"query": query}, "application/json")
    assert legacy.status_code == 200
    assert legacy.json()["data"] is None


def test_field_errors_stay_200_with_partial_data(gateway: Gateway):
    response = post(
        gateway,
        {"query": '{ a: document(uid: "DOC-001") { uid } b: document(uid: "DOC-X") { uid } }'},
        GRAPHQL_RESPONSE,
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"a": {"uid": "DOC-001"}, "b": None}
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_malformed_json_with_graphql_response_json(gateway: Gateway):
    response = httpx.post(
        f"{gateway.url}/graphql",
        content=b"{",
        headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)


def apq(query: str | None, digest: str) -> dict[str, object]:
    body: dict[str, object] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    }
    if query is not None:
        body["query"] = query
    return body


def test_automatic_persisted_queries(gateway: Gateway, sim: Simulator):
    digest = hashlib.sha256(QUERY.encode()).hexdigest()
    unknown = post(gateway, apq(None, digest))
    assert unknown.status_code == 200
    error = unknown.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = post(gateway, apq(QUERY, digest))
    assert registered.json() == {"data": {"document": {"uid": "DOC-001"}}}
    by_hash = post(gateway, apq(None, digest))
    assert by_hash.json() == {"data": {"document": {"uid": "DOC-001"}}}
    over_get = httpx.get(
        f"{gateway.url}/graphql",
        params={"extensions": json.dumps(apq(None, digest)["extensions"])},
    )
    assert over_get.json() == {"data": {"document": {"uid": "DOC-001"}}}
    modern = post(gateway, apq(None, "0" * 64), GRAPHQL_RESPONSE)
    assert modern.status_code == 400


def sent_with_its_hash(gateway: Gateway, query: str) -> tuple[str, httpx.Response]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return digest, post(gateway, apq(query, digest))


def known(gateway: Gateway, digest: str) -> bool:
    error = post(gateway, apq(None, digest)).json().get("errors")
    return not error or error[0]["extensions"]["code"] != "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ document(uid: ", "BAD_USER_INPUT"),  # does not parse
        ('{ document(uid: "DOC-001") { owner } }', "BAD_USER_INPUT"),  # not valid
        ('{ a: document(uid: "DOC-001") { uid } b: document(uid: "DOC-002") { uid } }', None),
        ('{ document(uid: "DOC-001") { latestRevision { businessStatus { code } } } }', None),
    ],
)
def test_only_documents_within_the_limits_are_registered(
    start_gateway: StartGateway, query: str, code: str | None
):
    gateway = start_gateway(gateway_max_aliases=1, gateway_max_depth=3)
    digest, answer = sent_with_its_hash(gateway, query)
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == (code or "QUERY_TOO_COMPLEX")
    assert not known(gateway, digest)


def test_registered_documents_are_normalised_and_bounded_in_bytes(start_gateway: StartGateway):
    """Seen: 5,000 registrations of 60 KB comment-padded documents held 58 MiB per 1,000.
    Each is kept as its normalised text (about 60 bytes here), within GATEWAY_APQ_MAX_BYTES."""
    gateway = start_gateway(gateway_apq_max_bytes=40 * 60, gateway_apq_max_entries=1000)
    padding = "#" + "x" * 60_000 + "\n"
    digests = []
    for n in range(40):
        query = f'{padding}{{ d{n}: document(uid: "DOC-001") {{ uid }} }}'
        digest, answer = sent_with_its_hash(gateway, query)
        assert answer.json() == {"data": {f"d{n}": {"uid": "DOC-001"}}}
        digests.append(digest)
    # 40 raw documents would be 2.4 MB, far over the 2,400 bytes allowed: they fit only
    # because the padding is gone. The last ones are surely kept, and answer by hash alone.
    assert all(known(gateway, digest) for digest in digests[-30:])
    by_hash = post(gateway, apq(None, digests[-1])).json()
    assert by_hash == {"data": {"d39": {"uid": "DOC-001"}}}
    # More than the bytes allow: the least recently used are dropped.
    for n in range(40, 120):
        sent_with_its_hash(gateway, f'{{ d{n}: document(uid: "DOC-001") {{ uid }} }}')
    assert not known(gateway, digests[0])


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}},
        {"persistedQuery": "yes"},
    ],
)
def test_malformed_persisted_query_extensions(gateway: Gateway, extensions: dict[str, object]):
    body = post(gateway, {"query": QUERY, "extensions": extensions}).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_hash_that_does_not_match_its_query_is_refused(gateway: Gateway):
    body = post(gateway, apq(QUERY, "a" * 64)).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not the SHA-256" in body["errors"][0]["message"]


@pytest.fixture
def manifest_file(tmp_path: Path) -> Path:
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "Card.graphql").write_text(
        "query Card($uid: ID!) {\n  document(uid: $uid) { uid title }\n}\n"
    )
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(build_manifest(queries)))
    return path


def test_trusted_documents_only(start_gateway: StartGateway, manifest_file: Path, sim: Simulator):
    gateway = start_gateway(
        gateway_persisted_manifest=str(manifest_file), gateway_persisted_only=True
    )
    manifest = json.loads(manifest_file.read_text())
    (digest,) = manifest
    variables = {"uid": "DOC-001"}
    by_hash = post(gateway, {**apq(None, digest), "variables": variables}).json()
    assert by_hash["data"]["document"]["uid"] == "DOC-001"
    # The same operation typed differently is still the trusted one.
    retyped = "query Card($uid: ID!) { document(uid: $uid) { uid title } }"
    assert post(gateway, {"query": retyped, "variables": variables}).json()["data"]["document"]
    untrusted = post(gateway, {"query": QUERY}).json()
    assert untrusted["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    unknown = post(gateway, apq(None, "b" * 64)).json()
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # Nothing new can be registered in this mode.
    digest_other = hashlib.sha256(QUERY.encode()).hexdigest()
    refused = post(gateway, apq(QUERY, digest_other)).json()
    assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert sim.calls() == 1  # the trusted runs only (the second from the cache)


def test_export_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "A.graphql").write_text("query A { health { enovia } }")
    assert main(["export-manifest", str(tmp_path)]) == 0
    manifest = json.loads(capsys.readouterr().out)
    document = canonical("query A { health { enovia } }")
    assert manifest == {hashlib.sha256(document.encode()).hexdigest(): document}
