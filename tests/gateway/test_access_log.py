"""The access log: one line per HTTP request and per WebSocket connection, errors whatever
the sample, the request id and the client id to find a request by."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from enovia.simulators.facade import DOC_RELEASED_THEN_IN_WORK
from gateway.access_log import AccessLogMiddleware
from gateway.logs import configure_logging
from gateway.request_id import RequestIdMiddleware
from tests.gateway.conftest import Simulator, StartGateway
from tests.gateway.ws_client import opened

Event = dict[str, Any]

CARD = """query Card($uid: ID!) {
  document(uid: $uid) { uid title freshness latestRevision { revision } }
}"""
#: How long a test waits for a line it expects: the line is written once the answer is sent,
#: so it may come a moment after the client has it. Never reached when the gateway behaves.
LOG_WAIT = 10.0
API_KEY = "access-log-test-key-1b2c3d4e"


def events(stream: io.StringIO, name: str | None = None) -> list[Event]:
    """The JSON events written to `stream` so far (those named `name`, when given)."""
    found = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [event for event in found if name is None or event.get("event") == name]


def wait_for(
    stream: io.StringIO, name: str, match: Callable[[Event], bool] = lambda event: True
) -> Event:
    """The first event `name` that `match`es, once it is written (within LOG_WAIT)."""
    deadline = time.monotonic() + LOG_WAIT
    while True:
        for event in events(stream, name):
            if match(event):
                return event
        if time.monotonic() > deadline:
            raise AssertionError(f"no {name} event matched within {LOG_WAIT} s: {events(stream)}")
        time.sleep(0.01)  # waiting for another thread's line, not for a retry


def post(url: str, body: object, request_id: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/graphql", json=body, headers={"X-Request-ID": request_id, **headers}, timeout=30
    )


def test_every_request_has_one_line_with_its_request_id(
    start_gateway: StartGateway, sim: Simulator, json_logs: io.StringIO
):
    gateway = start_gateway()
    card = {"query": CARD, "variables": {"uid": DOC_RELEASED_THEN_IN_WORK}}
    # Fetched, then executed from the cache, then replayed by the response cache: the replay
    # is never executed, and is logged all the same.
    for n in range(3):
        answer = post(gateway.url, card, f"scan-{n}")
        assert answer.status_code == 200
        assert "errors" not in answer.json()
    assert sim.calls() == 2  # the first fetched the document and its latest revision
    httpx.get(f"{gateway.url}/api/v1/health", headers={"X-Request-ID": "probe-1"})

    for n in range(3):
        line = wait_for(json_logs, "http.access", lambda e, n=n: e["request_id"] == f"scan-{n}")
        assert line["level"] == "info"
        assert line["logger"] == "gateway.access"
        assert line["method"] == "POST"
        assert line["path"] == "/graphql"
        assert line["operation"] == "Card"
        assert line["graphql_outcome"] == "ok"
        assert line["status"] == 200
        assert line["duration_ms"] >= 0
        assert "client_id" not in line  # no authentication: no client to name
    health = wait_for(json_logs, "http.access", lambda e: e["request_id"] == "probe-1")
    assert (health["method"], health["path"], health["status"]) == ("GET", "/api/v1/health", 200)
    assert "operation" not in health
    ids = [event["request_id"] for event in events(json_logs, "http.access")]
    assert sorted(ids) == ["probe-1", "scan-0", "scan-1", "scan-2"]  # one line each


def test_errors_are_logged_whatever_the_sample(start_gateway: StartGateway, json_logs: io.StringIO):
    gateway = start_gateway(
        gateway_access_log_sample=0,
        gateway_auth_mode="api-key",
        gateway_api_keys=API_KEY,
    )
    key = {"X-API-Key": API_KEY}
    fine = post(gateway.url, {"query": '{ document(uid: "DOC-001") { uid } }'}, "fine", **key)
    assert "errors" not in fine.json()
    missing = post(gateway.url, {"query": 'query Gone { document(uid: "DOC-MISSING") { uid } }'},
                   "missing", **key)  # fmt: skip
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refused = post(gateway.url, {"query": "{ health { enovia } }"}, "refused")
    assert refused.status_code == 401
    malformed = httpx.post(
        f"{gateway.url}/graphql",
        content=b"{not json",
        headers={"X-Request-ID": "malformed", "Content-Type": "application/json", **key},
    )
    assert malformed.status_code == 400

    not_found = wait_for(json_logs, "http.access", lambda e: e["request_id"] == "missing")
    assert not_found["status"] == 200  # an application/json answer: GraphQL's errors say it
    assert not_found["operation"] == "Gone"
    assert not_found["graphql_outcome"] in ("partial", "error")
    assert not_found["client_id"]  # authenticated: the key's stable id, never the key
    unauthenticated = wait_for(json_logs, "http.access", lambda e: e["request_id"] == "refused")
    assert unauthenticated["status"] == 401
    assert "client_id" not in unauthenticated
    bad = wait_for(json_logs, "http.access", lambda e: e["request_id"] == "malformed")
    assert bad["status"] == 400
    logged = {event["request_id"] for event in events(json_logs, "http.access")}
    assert "fine" not in logged  # a success, and the sample is 0
    assert API_KEY not in json_logs.getvalue()


def test_an_authenticated_request_names_its_client(
    start_gateway: StartGateway, json_logs: io.StringIO
):
    gateway = start_gateway(gateway_auth_mode="api-key", gateway_api_keys=API_KEY)
    post(gateway.url, {"query": "{ health { enovia } }"}, "with-key", **{"X-API-Key": API_KEY})
    line = wait_for(json_logs, "http.access", lambda e: e["request_id"] == "with-key")
    assert line["status"] == 200
    assert line["client_id"]
    assert line["client_id"] != API_KEY
    assert API_KEY not in json_logs.getvalue()


async def test_a_websocket_is_logged_when_it_closes(
    start_gateway: StartGateway, json_logs: io.StringIO
):
    gateway = start_gateway()
    async with opened(gateway.url):
        pass
    line = wait_for(json_logs, "websocket.access")
    assert line["path"] == "/graphql"
    assert line["close_code"] in (1000, 1005)  # closed by the client, normally
    assert line["duration_ms"] >= 0


# The middleware on its own, around a small app: sampling and the level.


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _broken(request: Request) -> PlainTextResponse:
    return PlainTextResponse("no", status_code=503)


def _app(sample: float, draws: list[float]) -> Starlette:
    """A small app behind the request id and the access log, whose sample is drawn from
    `draws` in order."""
    return Starlette(
        routes=[Route("/ok", _ok), Route("/broken", _broken)],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(AccessLogMiddleware, sample=sample, draw=lambda: draws.pop(0)),
        ],
    )


def ask(app: Starlette, path: str, request_id: str) -> None:
    """GET `path` of `app`, through ASGI."""

    async def get() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            await http.get(path, headers={"X-Request-ID": request_id})

    asyncio.run(get())


def test_the_sample_is_drawn_for_successes_only(json_logs: io.StringIO):
    draws = [0.10, 0.90, 0.29, 0.31]
    app = _app(0.3, draws)
    for n in range(4):
        ask(app, "/ok", f"ok-{n}")
    ask(app, "/broken", "broken")  # an error: logged without a draw
    assert draws == []
    logged = [event["request_id"] for event in events(json_logs, "http.access")]
    assert logged == ["ok-0", "ok-2", "broken"]  # drawn under 0.3, and the error


def test_nothing_is_logged_when_info_is_not(restored_logging: None):
    stream = io.StringIO()
    configure_logging("WARNING", "json", stream=stream)
    app = _app(1.0, [])
    ask(app, "/ok", "quiet")
    ask(app, "/broken", "quiet-error")
    assert events(stream, "http.access") == []


def test_a_sample_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        AccessLogMiddleware(_app(1.0, []), sample=1.5)


# The log set-up every line goes through, once: the rendered traceback is masked too.


def test_a_credential_in_a_logged_traceback_is_masked(json_logs: io.StringIO):
    try:
        raise RuntimeError("token request failed: client_secret=hunter2-in-a-traceback")
    except RuntimeError:
        structlog.get_logger("gateway.test").exception("oops", password="hunter2-as-a-field")
        logging.getLogger("some.library").exception("Bearer hunter2-from-the-stdlib")
    output = json_logs.getvalue()
    assert "hunter2" not in output
    [ours, theirs] = [event for event in events(json_logs) if "exception" in event]
    assert "client_secret=[redacted]" in ours["exception"]
    assert ours["password"] == "[redacted]"
    assert "client_secret=[redacted]" in theirs["exception"]
    assert theirs["event"] == "Bearer [redacted]"
