"""The retry policy: what is retried, how long it waits, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from enovia import RetryPolicy, UpstreamUnavailable
from tests.enovia.conftest import DOCUMENT_JSON, HarnessFactory


async def test_retry_after_seconds_is_honoured(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/documents/D").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, json=DOCUMENT_JSON),
        ]
    )
    await h.client.get_document("D")
    assert h.sleeps == [2.0]


async def test_retry_after_is_capped(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/documents/D").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3600"}),
            httpx.Response(200, json=DOCUMENT_JSON),
        ]
    )
    await h.client.get_document("D")
    assert h.sleeps == [RetryPolicy().retry_after_max]


async def test_retry_after_as_an_http_date(make_harness: HarnessFactory):
    h = make_harness()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    h.router.get("/api/v1/documents/D").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": when}),
            httpx.Response(200, json=DOCUMENT_JSON),
        ]
    )
    await h.client.get_document("D")
    assert 1.0 <= h.sleeps[0] <= 3.0


async def test_429_without_retry_after_backs_off_and_gives_up(make_harness: HarnessFactory):
    h = make_harness(attempts=4)
    route = h.router.get("/api/v1/documents/D").respond(429)
    with pytest.raises(UpstreamUnavailable, match="rate limiting"):
        await h.client.get_document("D")
    assert route.call_count == 4
    assert len(h.sleeps) == 3


async def test_backoff_grows_with_jitter_and_stays_bounded():
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(attempts=8, backoff_initial=0.1, backoff_max=1.0, sleep=sleep)
    calls = 0

    async def always_unavailable() -> None:
        nonlocal calls
        calls += 1
        raise UpstreamUnavailable("down")

    with pytest.raises(UpstreamUnavailable):
        await policy.call(always_unavailable)
    assert calls == 8
    assert len(waits) == 7
    assert all(0.1 <= wait <= 1.0 for wait in waits)
    assert waits[0] <= 0.1 + 1e-9  # the first bound is the initial wait itself
    assert max(waits) > 0.2  # later bounds doubled (0.2, 0.4, 0.8, 1.0, ...)


async def test_other_errors_are_not_retried():
    policy = RetryPolicy(attempts=5)
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("a bug, not a transient failure")

    with pytest.raises(ValueError, match="a bug"):
        await policy.call(broken)
    assert calls == 1
