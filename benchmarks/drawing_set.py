"""A 100-sheet drawing set (`DrawingSetCheck`) checked in one query, cold and warm.

Cold: every sheet's document is one no cache has seen (fresh `GEN-<n>` uids), so each sample
costs the set's ENOVIA calls, which are counted on the simulator. Warm: the same set again
with a `maxAge` within the times to live, so every verdict comes from the cache. Samples run
one at a time over a kept-alive connection.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from benchmarks import queries
from benchmarks.client import Simulator, post_graphql
from benchmarks.context import Bench
from benchmarks.report import Figure, info
from benchmarks.stats import summary

DRAWING_SET = (
    Path(__file__).resolve().parents[1] / "queries" / "DrawingSetCheck.graphql"
).read_text()
SHEETS = 100
COLD_SAMPLES = 10
WARM_SAMPLES = 50
#: Seconds a cached verdict may be old in the warm samples (within every time to live).
WARM_MAX_AGE = 20


def run(bench: Bench) -> list[Figure]:
    return asyncio.run(_run(bench))


async def _run(bench: Bench) -> list[Figure]:
    async with httpx.AsyncClient(timeout=60.0) as client:
        simulator = Simulator(client, bench.simulator_url)
        cold_ms: list[float] = []
        calls: list[int] = []
        sheets: list[str] = []
        for _ in range(COLD_SAMPLES):
            sheets = bench.uids.many(SHEETS)
            await simulator.reset()
            cold_ms.append(await _timed(client, bench, sheets, max_age=None))
            calls.append((await simulator.counts()).document_calls)
        warm_ms = [
            await _timed(client, bench, sheets, max_age=WARM_MAX_AGE) for _ in range(WARM_SAMPLES)
        ]
    cold, warm = summary(cold_ms), summary(warm_ms)
    return [
        info(
            "drawing_set.cold.p50",
            f"{SHEETS}-sheet drawing set, cold, p50",
            cold["p50"],
            "ms",
            f"{cold['p50']:.1f} ms (p90 {cold['p90']:.1f}; {max(calls)} ENOVIA calls per set)",
            gateway_ms=cold,
            enovia_calls_per_set=calls,
            latency_ms_L=bench.latency_ms,
        ),
        info(
            "drawing_set.warm.p50",
            f"{SHEETS}-sheet drawing set, warm (maxAge {WARM_MAX_AGE}), p50",
            warm["p50"],
            "ms",
            f"{warm['p50']:.1f} ms (p90 {warm['p90']:.1f})",
            gateway_ms=warm,
        ),
    ]


async def _timed(
    client: httpx.AsyncClient, bench: Bench, sheets: list[str], *, max_age: int | None
) -> float:
    variables: dict[str, object] = {"items": [{"uid": uid, "revision": "A"} for uid in sheets]}
    if max_age is not None:
        variables["maxAge"] = max_age
    payload = queries.body(DRAWING_SET, variables)
    started = time.perf_counter()
    await post_graphql(client, bench.gateway_url, payload)
    return (time.perf_counter() - started) * 1000
