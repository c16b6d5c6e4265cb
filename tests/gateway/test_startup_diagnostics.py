"""What an operator is told when something is wrong at start-up or after: Redis away, ENOVIA
unreachable, a wrong secret, a base URL with a wrong path; and the start-up summary."""

from __future__ import annotations

import io
import time

import httpx
import pytest

from tests.conftest import PATIENT_REDIS_TIMEOUT, RedisServer
from tests.gateway.conftest import SIM_CONFIG, Simulator, StartGateway
from tests.gateway.test_access_log import LOG_WAIT, events, wait_for
from tests.gateway.testbeds import PLATFORM_CONFIG, PlatformSimulator

QUERY = '{ document(uid: "DOC-001") { uid freshness } }'
REDIS_PASSWORD = "redis-password-never-logged-7c1d"
WRONG_SECRET = "a-wrong-secret-never-logged-5e2a"


def detailed(url: str) -> httpx.Response:
    return httpx.get(f"{url}/api/v1/health/detailed", timeout=30)


# Redis --------------------------------------------------------------------------------------


@pytest.mark.redis
def test_an_unreachable_redis_is_a_warning_and_the_local_cache_serves(
    start_gateway: StartGateway, unreachable: str, json_logs: io.StringIO
):
    gateway = start_gateway(gateway_cache_url=f"redis://:{REDIS_PASSWORD}@{unreachable}/0")
    url = f"redis://{unreachable}/0"
    warning = wait_for(json_logs, "cache.redis_unreachable")
    assert warning["level"] == "warning"
    assert warning["url"] == url  # without the password
    assert warning["error"] == "Connection refused"
    assert "local cache" in warning["message"]
    started = events(json_logs, "gateway.started")[0]
    assert started["cache"] == url
    assert started["cache_reachable"] is False

    first = gateway.query(QUERY)["data"]["document"]
    again = gateway.query(QUERY)["data"]["document"]
    assert (first["freshness"], again["freshness"]) == ("LIVE", "CACHED")  # the local cache
    health = detailed(gateway.url)
    assert health.status_code == 200  # ENOVIA answers: serving, degraded
    body = health.json()
    assert body["status"] == "degraded"
    assert url in body["reason"]
    assert "Connection refused" in body["reason"]
    assert body["cache"]["error"] == "Connection refused"
    assert REDIS_PASSWORD not in json_logs.getvalue()


@pytest.mark.redis
def test_detailed_health_pings_redis_while_it_is_away_and_when_it_is_back(
    start_gateway: StartGateway, redis_server: RedisServer, redis_url: str
):
    gateway = start_gateway(
        gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT
    )
    assert detailed(gateway.url).json()["status"] == "ok"
    redis_server.stop()
    try:
        # No query failed in between: the PING itself sees Redis gone.
        away = detailed(gateway.url).json()
        assert away["status"] == "degraded"
        assert "Connection refused" in away["reason"]
        assert away["cache"]["healthy"] is False
    finally:
        redis_server.start()
    deadline = time.monotonic() + LOG_WAIT
    while (back := detailed(gateway.url).json())["status"] != "ok":
        # One more PING at most: a connection redis-py held across the restart may fail once.
        assert time.monotonic() < deadline, back
    assert back["reason"] is None
    assert back["cache"]["healthy"] is True
    assert back["cache"]["clock_aligned"] is True
    assert "error" not in back["cache"]


# ENOVIA unreachable -------------------------------------------------------------------------


def test_an_unreachable_enovia_is_named_with_its_cause_and_the_circuit_says_so(
    start_gateway: StartGateway, unreachable: str, json_logs: io.StringIO
):
    gateway = start_gateway(
        enovia_base_url=f"http://{unreachable}/enovia",
        enovia_retry_attempts=1,
        enovia_circuit_failure_threshold=2,
    )
    token_url = f"http://{unreachable}/enovia/oauth2/token"
    for _ in range(2):
        error = gateway.query(QUERY)["errors"][0]
        assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert error["message"] == f"ENOVIA could not be reached at {token_url}: Connection refused"
    fast = gateway.query(QUERY)["errors"][0]["message"]
    assert fast.startswith(
        f"ENOVIA is unavailable: ENOVIA could not be reached at {token_url}: Connection refused; "
        "circuit open after 2 failures in a row, next try in "
    )

    call = wait_for(json_logs, "enovia.call", lambda e: e["status"] == "unreachable")
    assert call["level"] == "warning"
    assert call["url"] == token_url
    assert call["cause"] == "Connection refused"
    opened = wait_for(json_logs, "enovia.circuit_open")
    assert opened["level"] == "error"
    assert opened["url"] == token_url
    assert opened["cause"] == "Connection refused"
    assert opened["failures"] == 2


def test_an_unreachable_platform_at_start_up_is_a_warning_with_the_url(
    start_platform_gateway: StartGateway, unreachable: str, json_logs: io.StringIO
):
    start_platform_gateway(enovia_base_url=f"http://{unreachable}/3dspace")
    failed = wait_for(json_logs, "enovia.start_failed")
    assert failed["level"] == "warning"
    assert failed["url"] == f"http://{unreachable}/3dspace/resources/modeler/pno/person"
    assert failed["cause"] == "Connection refused"
    assert "3DSpace could not be reached at" in failed["error"]


# A wrong secret -----------------------------------------------------------------------------


def test_a_wrong_facade_secret_is_a_warning_at_start_up(
    start_gateway: StartGateway, sim: Simulator, json_logs: io.StringIO
):
    # The background health check (on by default) asks for a token at once.
    gateway = start_gateway(enovia_client_secret=WRONG_SECRET, gateway_health_check_interval=30)
    token_url = f"{sim.base_url}/oauth2/token"
    refused = wait_for(json_logs, "enovia.call", lambda e: e["endpoint"] == "/oauth2/token")
    assert refused["level"] == "warning"
    assert refused["url"] == token_url
    assert refused["status"] == "401"
    assert "(HTTP 401, invalid_client)" in refused["error"]
    error = gateway.query(QUERY)["errors"][0]
    assert error["extensions"]["code"] == "UPSTREAM_AUTH_FAILED"
    assert error["message"] == (
        f"ENOVIA refused the gateway's token request at {token_url} (HTTP 401, invalid_client)"
    )
    assert WRONG_SECRET not in json_logs.getvalue()


def test_a_wrong_platform_secret_is_a_warning_at_start_up(
    start_platform_gateway: StartGateway, platform_sim: PlatformSimulator, json_logs: io.StringIO
):
    start_platform_gateway(tdx_batch_service_secret=WRONG_SECRET)
    failed = wait_for(json_logs, "enovia.start_failed")
    assert failed["level"] == "warning"
    assert failed["outcome"] == "upstream_auth_failed"
    assert failed["url"].startswith(platform_sim.base_url)
    assert failed["url"].endswith("/api/v2/batch/ticket")
    assert failed["http_status"] == 401
    assert "refused the batch service's ticket request" in failed["error"]
    call = wait_for(json_logs, "enovia.call", lambda e: e["endpoint"] == "/api/v2/batch/ticket")
    assert call["level"] == "warning"
    assert call["status"] == "401"
    assert WRONG_SECRET not in json_logs.getvalue()
    assert PLATFORM_CONFIG.batch_service_secret not in json_logs.getvalue()


# A base URL with a wrong path ---------------------------------------------------------------


def test_a_facade_behind_a_wrong_path_names_the_token_url_tried(
    start_gateway: StartGateway, sim: Simulator, json_logs: io.StringIO
):
    gateway = start_gateway(enovia_base_url=f"{sim.base_url}/wrong-prefix")
    token_url = f"{sim.base_url}/wrong-prefix/oauth2/token"
    error = gateway.query(QUERY)["errors"][0]
    assert error["extensions"]["code"] == "UPSTREAM_AUTH_FAILED"
    assert error["message"].startswith(
        f"ENOVIA refused the gateway's token request at {token_url} (HTTP 404"
    )
    assert error["message"].endswith("no token endpoint there: check ENOVIA_BASE_URL")
    refused = wait_for(json_logs, "enovia.call", lambda e: e["endpoint"] == "/oauth2/token")
    assert refused["level"] == "warning"
    assert refused["url"] == token_url
    assert refused["status"] == "404"


def test_a_platform_behind_a_wrong_path_names_the_url_tried(
    start_platform_gateway: StartGateway, platform_sim: PlatformSimulator, json_logs: io.StringIO
):
    start_platform_gateway(enovia_base_url=f"{platform_sim.base_url}/wrong-prefix/3dspace")
    failed = wait_for(json_logs, "enovia.start_failed")
    assert failed["level"] == "warning"
    assert failed["url"] == (
        f"{platform_sim.base_url}/wrong-prefix/3dspace/resources/modeler/pno/person"
    )
    assert failed["http_status"] == 404
    assert "check its path" in failed["error"]


# The start-up summary -----------------------------------------------------------------------


def test_the_start_up_summary_is_one_line_without_secrets(
    start_gateway: StartGateway, sim: Simulator, json_logs: io.StringIO
):
    start_gateway(gateway_response_cache_entries=0, gateway_max_cost=123)
    [started] = events(json_logs, "gateway.started")  # once
    assert started["level"] == "info"
    assert started["upstream"] == "facade"
    assert started["enovia_base_url"] == sim.base_url + "/"
    assert started["enovia_auth"] == (
        f"OAuth2 client credentials (client_secret_post, client {SIM_CONFIG.client_id})"
    )
    assert started["client_auth"] == "none"
    assert started["cache"] == "memory"
    assert started["cache_reachable"] is None  # in this process: nothing to reach
    assert started["max_cost"] == 123
    assert started["response_cache"] == "off"
    assert {"max_depth", "max_batch", "request_timeout", "max_connections"} <= set(started)
    assert {"watch_interval", "log_format", "access_log_sample", "version"} <= set(started)
    assert SIM_CONFIG.client_secret not in json_logs.getvalue()


def test_the_platform_start_up_summary_names_its_login(
    start_platform_gateway: StartGateway, json_logs: io.StringIO
):
    start_platform_gateway()
    [started] = events(json_logs, "gateway.started")
    assert started["upstream"] == "3dexperience"
    assert started["enovia_auth"] == "3DPassport batch-service (TDX_AUTH_MODE)"
    assert PLATFORM_CONFIG.batch_service_secret not in json_logs.getvalue()
