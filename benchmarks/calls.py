"""ENOVIA calls per query, counted by the simulator (`POST /_sim/reset`, `GET /_sim/stats`)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport

from benchmarks import queries
from benchmarks.client import CallCounts, Simulator, limits, post_graphql
from benchmarks.context import Bench
from benchmarks.report import Figure, info

SCAN_MAX_AGE = 60  # seconds: lets the repeated scan be answered from the cache
DUPLICATED_UIDS = 10
HOLD_MS = 3000.0  # the simulator's latency while the concurrent identical queries arrive


def run(bench: Bench) -> list[Figure]:
    return asyncio.run(_run(bench))


async def _run(bench: Bench) -> list[Figure]:
    url = bench.gateway_url
    async with httpx.AsyncClient(timeout=30.0) as client:
        simulator = Simulator(client, bench.simulator_url)

        async def counted(action: Callable[[], Awaitable[Any]]) -> CallCounts:
            await simulator.reset()
            await action()
            return await simulator.counts()

        figures: list[Figure] = []
        scan = queries.body(
            queries.SCAN_WITHIN_TTL, queries.scan_variables(bench.uids.one(), max_age=SCAN_MAX_AGE)
        )
        cold = await counted(lambda: post_graphql(client, url, scan))
        warm = await counted(lambda: post_graphql(client, url, scan))
        figures += [
            _exact("calls.scan.cold", "ENOVIA calls: scan query, cold", cold, 3),
            _exact(
                "calls.scan.warm",
                f"ENOVIA calls: scan query, warm (maxAge {SCAN_MAX_AGE})",
                warm,
                0,
            ),
        ]

        many = queries.body(queries.DOCUMENTS, {"uids": bench.uids.many(100)})
        timing: list[float] = []
        cold = await counted(lambda: _timed(post_graphql(client, url, many), timing))
        cold_ms = timing[0]
        warm = await counted(lambda: post_graphql(client, url, many))
        figures += [
            _exact(
                "calls.documents100.cold", "ENOVIA calls: 100 documents + latest, cold", cold, 200
            ),
            _exact(
                "calls.documents100.warm", "ENOVIA calls: 100 documents + latest, warm", warm, 0
            ),
            info(
                "calls.documents100.cold_time",
                "  that cold 100-document query took",
                cold_ms,
                "ms",
                f"{cold_ms:.0f} ms; at most {cold.peak_concurrency} ENOVIA calls at once",
                note="the 200 calls are independent: with all in flight at once, about L",
            ),
        ]

        distinct = bench.uids.many(DUPLICATED_UIDS)
        duplicated = queries.body(queries.duplicates_and_aliases(distinct))
        counts = await counted(lambda: post_graphql(client, url, duplicated))
        figures.append(
            _exact(
                "calls.duplicates",
                f"ENOVIA calls: {DUPLICATED_UIDS} uids, each 4-6 times (duplicates, aliases)",
                counts,
                2 * DUPLICATED_UIDS,
                target=f"{2 * DUPLICATED_UIDS} (doc + latest per distinct uid)",
            )
        )
    figures.append(await _concurrent(bench))
    return figures


async def _concurrent(bench: Bench) -> Figure:
    """N identical cold scans at once, over N connections opened beforehand.

    The scan asks `actuality` with the default maxAge 0 (ask ENOVIA now), so no cache can
    answer it: only single flight keeps the calls at one per resource. For this part the
    simulator answers after HOLD_MS instead of L, so that every query arrives while the first
    fetch is still in flight (one worker takes a while to read 200 requests).
    """
    n = bench.options.concurrent_queries
    url = bench.gateway_url
    scan = queries.body(queries.SCAN, queries.scan_variables(bench.uids.one()))
    # httpx's own pool scans its connections for every queued request: 200 requests at once
    # took it longer to send than HOLD_MS. aiohttp's pool sends them all within milliseconds.
    transport = AiohttpTransport(limits=limits(n))
    async with httpx.AsyncClient(timeout=60.0, transport=transport) as client:
        simulator = Simulator(client, bench.simulator_url)
        await asyncio.gather(*(client.get(f"{url}/api/v1/health") for _ in range(n)))
        await simulator.reset()
        await simulator.set_latency(HOLD_MS)
        try:
            started = time.perf_counter()
            answers = await asyncio.gather(*(post_graphql(client, url, scan) for _ in range(n)))
            elapsed = time.perf_counter() - started
        finally:
            await simulator.set_latency(bench.latency_ms)
        counts = await simulator.counts()
    freshness = Counter(answer["data"]["actuality"]["freshness"] for answer in answers)
    figure = _exact(
        "calls.concurrent",
        f"ENOVIA calls: {n} concurrent identical cold scans",
        counts,
        3,
        target="3 (1 per distinct resource)",
    )
    figure.details.update(
        {
            "queries": n,
            "simulator_latency_ms_for_this_part": HOLD_MS,
            "actuality_freshness": dict(freshness),
            "all_answered_in_s_harness_client_included": round(elapsed, 3),
        }
    )
    return figure


async def _timed(action: Awaitable[Any], into: list[float]) -> None:
    started = time.perf_counter()
    await action
    into.append((time.perf_counter() - started) * 1000)


def _exact(
    key: str, label: str, counts: CallCounts, expected: int, *, target: str | None = None
) -> Figure:
    value = counts.document_calls
    return Figure(
        key=key,
        label=label,
        value=value,
        unit="calls",
        shown=str(value),
        target=target or str(expected),
        met=value == expected,
        details={"expected": expected, **counts.as_json()},
    )
