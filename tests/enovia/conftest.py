"""Fixtures for the ENOVIA client: a respx router injected as the client's transport."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import respx

from enovia import RetryPolicy, Secret
from enovia.facade import ClientCredentialsAuth, FacadeClient
from gateway.metrics import Metrics
from tests.clocks import FakeClock

BASE = "https://enovia.test/plm/"
SECRET = "s3cr3t-value-never-logged"


@dataclass
class Harness:
    router: respx.MockRouter
    client: FacadeClient
    auth: ClientCredentialsAuth
    metrics: Metrics
    clock: FakeClock
    sleeps: list[float] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)


def token_route(
    router: respx.MockRouter, issued: list[str], expires_in: float = 3600
) -> respx.Route:
    counter = itertools.count(1)

    def issue(request: httpx.Request) -> httpx.Response:
        token = f"tok-{next(counter)}-abcdef"
        issued.append(token)
        return httpx.Response(
            200, json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
        )

    return router.post("/oauth2/token").mock(side_effect=issue)


HarnessFactory = Callable[..., Harness]


@pytest.fixture
async def make_harness() -> AsyncIterator[HarnessFactory]:
    made: list[Harness] = []

    def make(
        *,
        attempts: int = 3,
        expires_in: float = 3600,
        max_token_age: float = 3000,
        secret: Secret | None = None,
        method: str = "client_secret_post",
        with_token_route: bool = True,
    ) -> Harness:
        router = respx.MockRouter(base_url=BASE, assert_all_called=False)
        clock = FakeClock()
        metrics = Metrics()
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        auth = ClientCredentialsAuth(
            token_url=BASE + "oauth2/token",
            client_id="pte-qr-client",
            secret=secret or Secret(SECRET),
            scope="read",
            method=method,  # type: ignore[arg-type]
            max_token_age=max_token_age,
            observer=metrics,
            clock=clock,
        )
        http = httpx.AsyncClient(
            base_url=BASE, auth=auth, transport=httpx.MockTransport(router.async_handler)
        )
        client = FacadeClient(
            http, retry=RetryPolicy(attempts=attempts, sleep=sleep), observer=metrics
        )
        harness = Harness(router, client, auth, metrics, clock, sleeps)
        if with_token_route:
            token_route(router, harness.tokens_issued, expires_in)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.client.aclose()


REVISION_JSON = {
    "id": "rev-1",
    "revision": "B",
    "maturityState": "Released",
    "releasedDate": "2024-01-15T10:30:00Z",
    "supersededBy": None,
    "lastModified": "2024-01-15T10:30:00Z",
    "pages": 10,
}

DOCUMENT_JSON = {
    "id": "DOC-1",
    "title": "Plan",
    "number": "PTE-AR-1",
    "type": "Drawing",
    "createdAt": "2024-01-15T10:30:00Z",
    "updatedAt": "2024-01-16T10:30:00Z",
}
