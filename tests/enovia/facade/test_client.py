"""The client's endpoints, typed results and error classes (respx as the transport)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from enovia import (
    Document,
    Forbidden,
    Gone,
    NotFound,
    UnsupportedByUpstream,
    Upstream,
    UpstreamAuthFailed,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from schema.errors import ErrorCode, upstream_code
from tests.enovia.conftest import DOCUMENT_JSON, REVISION_JSON, HarnessFactory


async def test_document_is_typed_and_extra_fields_are_ignored(make_harness: HarnessFactory):
    h = make_harness()
    route = h.router.get("/api/v1/documents/DOC-1").respond(
        json={**DOCUMENT_JSON, "somethingNew": [1, 2]}
    )
    document = await h.client.get_document("DOC-1")
    assert document.id == "DOC-1"
    assert document.title == "Plan"
    assert document.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {h.tokens_issued[0]}"


async def test_revision_keeps_the_maturity_state_as_given(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/documents/DOC-1/revisions/B").respond(
        json={**REVISION_JSON, "maturityState": "Something ENOVIA invented"}
    )
    revision = await h.client.get_revision("DOC-1", "B")
    assert revision.maturity_state == "Something ENOVIA invented"
    assert revision.pages == 10


async def test_latest_uses_the_latest_endpoint(make_harness: HarnessFactory):
    h = make_harness()
    route = h.router.get("/api/v1/documents/DOC-1/revisions/latest").respond(json=REVISION_JSON)
    revision = await h.client.get_latest_revision("DOC-1")
    assert revision.revision == "B"
    assert route.call_count == 1


async def test_missing_pages_defaults_to_one_like_the_seed(make_harness: HarnessFactory):
    h = make_harness()
    body = {key: value for key, value in REVISION_JSON.items() if key != "pages"}
    h.router.get("/api/v1/documents/D/revisions/A").respond(json=body)
    assert (await h.client.get_revision("D", "A")).pages == 1


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (404, NotFound, ErrorCode.NOT_FOUND),
        (410, Gone, ErrorCode.GONE),
        (403, Forbidden, ErrorCode.FORBIDDEN),
        (400, UpstreamBadResponse, ErrorCode.UPSTREAM_BAD_RESPONSE),
        (422, UpstreamBadResponse, ErrorCode.UPSTREAM_BAD_RESPONSE),
    ],
)
async def test_client_errors_are_classified_and_never_retried(
    make_harness: HarnessFactory, status: int, error: type[Exception], code: ErrorCode
):
    h = make_harness()
    route = h.router.get("/api/v1/documents/D").respond(status, json={"message": "internal detail"})
    with pytest.raises(error) as caught:
        await h.client.get_document("D")
    assert upstream_code(caught.value) is code
    assert "internal detail" not in str(caught.value)
    assert route.call_count == 1
    assert h.sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_then_unavailable(
    make_harness: HarnessFactory, status: int
):
    h = make_harness(attempts=3)
    route = h.router.get("/api/v1/documents/D").respond(status, text="<html>boom</html>")
    with pytest.raises(UpstreamUnavailable) as caught:
        await h.client.get_document("D")
    assert route.call_count == 3
    assert len(h.sleeps) == 2
    assert "boom" not in caught.value.message


async def test_a_transient_error_then_success(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/documents/D").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=DOCUMENT_JSON)]
    )
    assert (await h.client.get_document("D")).id == "DOC-1"
    assert len(h.sleeps) == 1


@pytest.mark.parametrize(
    "failure", [httpx.ConnectTimeout("t"), httpx.ReadTimeout("t"), httpx.ConnectError("refused")]
)
async def test_timeouts_and_network_errors_are_retried(
    make_harness: HarnessFactory, failure: Exception
):
    h = make_harness(attempts=2)
    route = h.router.get("/api/v1/documents/D").mock(side_effect=failure)
    with pytest.raises(UpstreamUnavailable):
        await h.client.get_document("D")
    assert route.call_count == 2


async def test_revoked_token_twice_is_auth_failed(make_harness: HarnessFactory):
    h = make_harness()
    route = h.router.get("/api/v1/documents/D").respond(401)
    with pytest.raises(UpstreamAuthFailed):
        await h.client.get_document("D")
    assert route.call_count == 2  # one retry with a fresh token
    assert len(h.tokens_issued) == 2


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"<html><body>Server error</body></html>", "not valid JSON"),
        (b"[1, 2]", "object"),
        (b'{"revision": "A", "maturityState": "Released"}', "'id'"),
        (b'{"id": "1", "revision": "A", "maturityState": 5}', "'maturityState'"),
        (b'{"id": "1", "revision": "A", "maturityState": "Released", "pages": "ten"}', "'pages'"),
        (
            b'{"id": "1", "revision": "A", "maturityState": "Released", "releasedDate": "soon"}',
            "'releasedDate'",
        ),
    ],
)
async def test_malformed_answers_name_the_problem_not_the_body(
    make_harness: HarnessFactory, body: bytes, named: str
):
    h = make_harness()
    h.router.get("/api/v1/documents/D/revisions/A").respond(200, content=body)
    with pytest.raises(UpstreamBadResponse) as caught:
        await h.client.get_revision("D", "A")
    assert named in caught.value.message
    assert "Server error" not in caught.value.message
    assert "ten" not in caught.value.message
    assert h.sleeps == []


async def test_health_reports_the_seed_shape(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/health").respond(json={"status": "ok"})
    healthy = await h.client.check_health()
    assert healthy.enovia == "healthy"
    assert healthy.error is None
    assert healthy.last_check.tzinfo is not None
    h.router.get("/api/v1/health").respond(503)
    unhealthy = await h.client.check_health()
    assert unhealthy.enovia == "unhealthy"
    assert unhealthy.error == "ENOVIA answered 503"
    assert h.sleeps == []  # health is one honest try, not retried
    exposition = h.metrics.exposition().decode()
    assert "enovia_health_check 0.0" in exposition


async def test_it_is_an_upstream_that_reports_its_token(make_harness: HarnessFactory):
    h = make_harness()
    upstream: Upstream = h.client
    assert upstream.credentials_state == {"state": "none"}
    h.router.get("/api/v1/documents/DOC-1").respond(json=DOCUMENT_JSON)
    await upstream.get_document("DOC-1")
    state = upstream.credentials_state
    assert state["state"] == "valid"
    assert h.tokens_issued[0] not in str(state)  # the state, never the token


async def test_many_documents_at_once_each_with_its_own_answer(make_harness: HarnessFactory):
    h = make_harness()
    found = h.router.get("/api/v1/documents/DOC-1").respond(json=DOCUMENT_JSON)
    h.router.get("/api/v1/documents/DOC-2").respond(404)
    answers = await h.client.get_documents(["DOC-1", "DOC-2", "DOC-1"])
    assert list(answers) == ["DOC-1", "DOC-2"]
    document = answers["DOC-1"]
    assert isinstance(document, Document)
    assert document.id == "DOC-1"
    assert isinstance(answers["DOC-2"], NotFound)
    assert found.call_count == 1  # asked twice, sent once


async def test_listing_revisions_is_not_something_the_facade_offers(
    make_harness: HarnessFactory,
):
    h = make_harness()
    with pytest.raises(UnsupportedByUpstream) as caught:
        await h.client.list_revisions("DOC-1")
    assert upstream_code(caught.value) is ErrorCode.UNSUPPORTED_BY_UPSTREAM
    assert not h.router.calls  # nothing was sent
