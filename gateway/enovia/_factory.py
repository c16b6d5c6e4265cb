"""Build the process's one ENOVIA client from the settings."""

from __future__ import annotations

from typing import Protocol

import httpx

from gateway.enovia._auth import ClientCredentialsAuth, TokenObserver
from gateway.enovia._budget import RetryBudget
from gateway.enovia._circuit import CircuitBreaker, CircuitObserver
from gateway.enovia._client import CallObserver, EnoviaClient
from gateway.enovia._retry import RetryPolicy, Sleep
from gateway.enovia._secret import ClientSecret
from gateway.enovia._transport import EnoviaTransport
from gateway.settings import Settings


class EnoviaObserver(CallObserver, TokenObserver, CircuitObserver, Protocol):
    """What the client and its auth flow report to (the app's `Metrics`)."""


def create_enovia_client(
    settings: Settings,
    *,
    observer: EnoviaObserver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> tuple[EnoviaClient, ClientCredentialsAuth]:
    """The client and its auth flow (kept apart so health can report the token's state).

    One `httpx.AsyncClient` with keep-alive, at most `ENOVIA_MAX_CONNECTIONS` connections and
    `ENOVIA_TIMEOUT` for each phase. `transport` and `sleep` are for tests.
    """
    settings.require_enovia()
    assert settings.enovia_base_url is not None
    # A trailing slash, so that joining keeps a base path such as https://plm.example/enovia/.
    base_url = httpx.URL(str(settings.enovia_base_url).rstrip("/") + "/")
    secret = ClientSecret(
        settings.enovia_client_secret.get_secret_value()
        if settings.enovia_client_secret is not None
        else None,
        file=settings.enovia_client_secret_file,
        rotation=settings.enovia_client_secret_rotation_enabled,
    )
    auth = ClientCredentialsAuth(
        token_url=base_url.join("oauth2/token"),
        client_id=settings.enovia_client_id,
        secret=secret,
        scope=settings.enovia_scope or None,
        method=settings.enovia_token_auth_method,
        max_token_age=settings.enovia_token_cache_ttl,
        observer=observer,
    )
    limits = httpx.Limits(
        max_connections=settings.enovia_max_connections,
        max_keepalive_connections=settings.enovia_max_connections,
        keepalive_expiry=30.0,
    )
    http = httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        timeout=httpx.Timeout(settings.enovia_timeout),
        transport=transport or EnoviaTransport(limits),
        headers={"Accept": "application/json", "User-Agent": "enovia-gateway"},
    )
    retry = RetryPolicy(
        attempts=settings.enovia_retry_attempts,
        backoff_initial=settings.enovia_retry_backoff_initial,
        backoff_max=settings.enovia_retry_backoff_max,
        retry_after_max=settings.enovia_retry_after_max,
        budget=RetryBudget(
            ratio=settings.enovia_retry_budget_ratio,
            min_per_second=settings.enovia_retry_budget_min_per_second,
        ),
        **({"sleep": sleep} if sleep is not None else {}),
    )
    circuit = CircuitBreaker(
        failure_threshold=settings.enovia_circuit_failure_threshold,
        reset_timeout=settings.enovia_circuit_reset_timeout,
        observer=observer,
    )
    return EnoviaClient(http, retry=retry, circuit=circuit, observer=observer), auth
