"""Every exchange is logged and counted under its endpoint template; no secret, ticket,
cookie or token ever shows in a log line, a metric, an error or a health answer."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import httpx
import pytest
from structlog.testing import capture_logs

from enovia import EnoviaError, RetryPolicy, Secret
from enovia.platform import (
    BATCH_TICKET,
    CAS_TRANSIENT,
    CSRF,
    DOCUMENTS_BY_IDS,
    GET_GRAPH,
    PERSON,
    SEARCH,
    PlatformClient,
)
from gateway.metrics import Metrics
from tests.enovia.platform.conftest import (
    AGENT_SECRET,
    BATCH_SECRET,
    PASSWORD,
    Simulator,
    agent_login,
    batch_login,
    password_login,
)

TEMPLATES = {
    BATCH_TICKET,
    CAS_TRANSIENT,
    "/login",
    PERSON,
    CSRF,
    SEARCH,
    GET_GRAPH,
    DOCUMENTS_BY_IDS,
    "/",
}


async def no_sleep(seconds: float) -> None:
    pass


class Recorder:
    """Every credential the client sent or was given: ticket parameters, secret headers,
    cookies, CSRF tokens."""

    def __init__(self) -> None:
        self.secrets: set[str] = {BATCH_SECRET, PASSWORD, AGENT_SECRET}

    async def request(self, request: httpx.Request) -> None:
        for name, values in parse_qs(request.url.query.decode()).items():
            if name in ("tgt", "ticket"):
                self.secrets.update(values)
        for name in ("ds-service-secret", "eno_csrf_token", "authorization", "cookie"):
            value = request.headers.get(name)
            if value:
                self.secrets.add(value)
                self.secrets.update(re.findall(r"=([^;\s]+)", value))

    async def response(self, response: httpx.Response) -> None:
        for cookie in response.headers.get_list("set-cookie"):
            self.secrets.add(cookie.split(";")[0].partition("=")[2])
        location = response.headers.get("location", "")
        self.secrets.update(re.findall(r"ticket=([^&]+)", location))

    def leaked_in(self, text: str) -> list[str]:
        return [secret for secret in self.secrets if secret and secret in text]


@pytest.mark.parametrize("login", [batch_login, password_login, agent_login])
async def test_nothing_secret_is_logged_counted_or_shown(sim: Simulator, login, json_logs):
    recorder = Recorder()
    http = httpx.AsyncClient(
        base_url=sim.space_url,
        headers={"Accept": "application/json"},
        event_hooks={"request": [recorder.request], "response": [recorder.response]},
    )
    metrics = Metrics()
    client = PlatformClient(
        http, login=login(), retry=RetryPolicy(sleep=no_sleep), observer=metrics
    )
    errors: list[str] = []
    try:
        with capture_logs() as logs:
            await client.get_latest_revision("DOC-001")
            sim.expire_sessions(passport=True)
            sim.faults(csrf_reject_next=1)
            await client.get_documents(["DOC-002", "DOC-GONE", "DOC-MISSING"])
            for uid in ("DOC-GONE", "DOC-MISSING"):
                try:
                    await client.get_document(uid)
                except EnoviaError as error:
                    errors.append(error.message)
            health = await client.check_health()
            state = client.credentials_state
        for cookie in http.cookies.jar:
            recorder.secrets.add(str(cookie.value))
    finally:
        await client.aclose()
    calls = [entry for entry in logs if entry["event"] == "enovia.call"]
    assert calls
    assert {call["endpoint"] for call in calls} <= TEMPLATES
    assert all(call["duration_ms"] >= 0 and call["method"] in ("GET", "POST") for call in calls)
    everything = "\n".join(
        [
            repr(logs),
            json_logs.getvalue(),  # every record, httpx's included, at DEBUG
            metrics.exposition().decode(),
            *errors,
            repr(health),
            repr(state),
            repr(client),
        ]
    )
    assert len(recorder.secrets) > 3
    assert recorder.leaked_in(everything) == []


async def test_refusals_do_not_repeat_what_was_refused(sim: Simulator):
    for login, wrong in (
        (batch_login(Secret("wrong-batch-secret-1")), "wrong-batch-secret-1"),
        (password_login("wrong-password-2"), "wrong-password-2"),
        (agent_login("wrong-agent-secret-3"), "wrong-agent-secret-3"),
    ):
        http = httpx.AsyncClient(base_url=sim.space_url, headers={"Accept": "application/json"})
        client = PlatformClient(http, login=login, retry=RetryPolicy(sleep=no_sleep))
        with capture_logs() as logs, pytest.raises(EnoviaError) as caught:
            await client.get_document("DOC-001")
        await client.aclose()
        assert wrong not in caught.value.message
        assert wrong not in repr(logs)
        assert wrong not in repr(login)


async def test_calls_and_logins_are_counted_by_template(sim: Simulator):
    metrics = Metrics()
    http = httpx.AsyncClient(base_url=sim.space_url, headers={"Accept": "application/json"})
    client = PlatformClient(http, login=batch_login(), observer=metrics)
    await client.get_document("DOC-001")
    await client.aclose()
    exposition = metrics.exposition().decode()
    for line in (
        'enovia_requests_total{endpoint="/api/v2/batch/ticket",method="GET",status="200"} 1.0',
        'enovia_requests_total{endpoint="/login",method="GET",status="302"} 1.0',
        f'enovia_requests_total{{endpoint="{SEARCH}",method="GET",status="200"}} 1.0',
        f'enovia_requests_total{{endpoint="{GET_GRAPH}",method="POST",status="200"}} 1.0',
        'enovia_token_refreshes_total{status="success"} 1.0',
    ):
        assert line in exposition
    assert "DOC-001" not in exposition
