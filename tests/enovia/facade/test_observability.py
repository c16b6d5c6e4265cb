"""Every call is logged and counted under its endpoint template; secrets never show."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from enovia import NotFound
from tests.enovia.conftest import DOCUMENT_JSON, SECRET, HarnessFactory


async def test_calls_are_logged_and_counted_by_template(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/documents/SECRET-PROJECT-42").respond(json=DOCUMENT_JSON)
    h.router.get("/api/v1/documents/GONE").respond(404)
    with capture_logs() as logs:
        await h.client.get_document("SECRET-PROJECT-42")
        with pytest.raises(NotFound):
            await h.client.get_document("GONE")
    calls = [entry for entry in logs if entry["event"] == "enovia.call"]
    assert [(c["method"], c["endpoint"], c["status"]) for c in calls] == [
        ("POST", "/oauth2/token", "200"),
        ("GET", "/api/v1/documents/{doc_uid}", "200"),
        ("GET", "/api/v1/documents/{doc_uid}", "404"),
    ]
    assert all(c["duration_ms"] >= 0 for c in calls)
    # The URL tried, with the endpoint's template: never the identifier.
    assert calls[1]["url"].endswith("/api/v1/documents/{doc_uid}")
    assert "SECRET-PROJECT-42" not in repr(logs)
    exposition = h.metrics.exposition().decode()
    documents = 'endpoint="/api/v1/documents/{doc_uid}",method="GET"'
    assert f'enovia_requests_total{{{documents},status="200"}} 1.0' in exposition
    assert 'enovia_requests_total{endpoint="/oauth2/token",method="POST",status="200"} 1.0' in (
        exposition
    )
    assert 'enovia_token_refreshes_total{status="success"} 1.0' in exposition
    assert "enovia_request_duration_seconds_count" in exposition
    assert "SECRET-PROJECT-42" not in exposition
    everything = repr(logs) + exposition + repr(h.auth) + repr(h.client)
    assert SECRET not in everything
    assert h.tokens_issued[0] not in everything
