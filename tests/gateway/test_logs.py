"""Logs of a full run at debug level: request ids carried through, no secret, no token."""

from __future__ import annotations

import io
import json

import httpx

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
