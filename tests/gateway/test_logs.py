"""Logs of a full run at debug level: request ids carried through, no secret, no token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import structlog

from enovia.simulators.facade import SimulatorConfig, create_simulator_app
from gateway.app import create_app
from gateway.serving import serve_in_thread
from tests.gateway.conftest import no_sleep, settings_for

SECRET = "log-test-client-secret-9f8e7d"


def test_a_full_run_logs_no_secret_and_no_token(json_logs: io.StringIO):
    simulator = create_simulator_app(SimulatorConfig(client_id="log-test", client_secret=SECRET))
    issued: list[str] = []
    tokens = simulator.state.simulator.tokens
    issue = tokens.issue

    def recording_issue(*args: object, **kwargs: object) -> str:
        token = issue(*args, **kwargs)  # type: ignore[arg-type]
        issued.append(token)
        return token

    tokens.issue = recording_issue  # type: ignore[method-assign]
    with serve_in_thread(simulator) as sim_url:
        settings = settings_for(sim_url, enovia_client_id="log-test", enovia_client_secret=SECRET)
        with serve_in_thread(create_app(settings, sleep=no_sleep)) as url:
            query = {"query": '{ document(uid: "DOC-001") { title latestRevision { revision } } }'}
            first = httpx.post(f"{url}/graphql", json=query, headers={"X-Request-ID": "scan-42"})
            assert first.headers["x-request-id"] == "scan-42"
            httpx.post(f"{sim_url}/_sim/tokens/revoke").raise_for_status()
            second = httpx.post(
                f"{url}/graphql",
                json={"query": '{ actuality(uid: "DOC-002", revision: "A") { reason } }'},
            )
            assert len(second.headers["x-request-id"]) == 32  # one was made
            httpx.get(f"{url}/api/v1/health/detailed")
            httpx.post(f"{url}/graphql", json={"query": '{ document(uid: "DOC-MISSING") { uid } }'})

    output = json_logs.getvalue()
    assert len(issued) == 2  # the second came after the revocation
    assert SECRET not in output
    for token in issued:
        assert token not in output
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    calls = [event for event in events if event.get("event") == "enovia.call"]
    assert calls
    assert {event["request_id"] for event in calls if event["endpoint"].endswith("{doc_uid}")} >= {
        "scan-42"
    }
    assert any(event.get("logger", "").startswith("http") for event in events)  # httpx at DEBUG


@pytest.fixture
def uvicorn_as_served() -> Iterator[None]:
    """uvicorn's loggers as `enovia-gateway serve` leaves them (`log_config=None`: no handler
    of their own, records propagated to the root's), whatever a server started in this process
    by an earlier test set (`serve_in_thread` applies uvicorn's own logging configuration);
    restored after."""
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error")]
    saved = [(each.handlers[:], each.propagate, each.level) for each in loggers]
    for each in loggers:
        each.handlers, each.propagate = [], True
        each.setLevel(logging.NOTSET)
    yield
    for each, (handlers, propagate, level) in zip(loggers, saved, strict=True):
        each.handlers, each.propagate = handlers, propagate
        each.setLevel(level)


def log_like_uvicorn() -> None:
    """A record as uvicorn logs one: its message, and the same in colour as an extra."""
    logging.getLogger("uvicorn.error").info(
        "Started server process [%s]",
        "42",
        extra={"color_message": "Started server process [\x1b[36m%s\x1b[0m]"},
    )
    structlog.get_logger("gateway.test").info("own.event", color_message="\x1b[31mred\x1b[0m")


def assert_no_ansi(output: str) -> None:
    assert "Started server process [42]" in output
    assert "own.event" in output
    for escape in ("\x1b", "\\x1b", "\\u001b", "[32m", "[31m", "color_message"):
        assert escape not in output


@pytest.mark.usefixtures("uvicorn_as_served")
def test_uvicorns_colour_message_is_not_logged_in_json(json_logs: io.StringIO):
    log_like_uvicorn()
    output = json_logs.getvalue()
    assert_no_ansi(output)
    events = [json.loads(line) for line in output.splitlines()]
    started = next(event for event in events if event.get("logger") == "uvicorn.error")
    assert started["event"] == "Started server process [42]"
    assert "color_message" not in started


@pytest.mark.usefixtures("uvicorn_as_served")
def test_uvicorns_colour_message_is_not_logged_on_the_console(console_logs: io.StringIO):
    log_like_uvicorn()
    assert_no_ansi(console_logs.getvalue())
