"""Cold latency of the scan query against one direct ENOVIA round trip, same run.

Each gateway sample is the scan query on a document no cache has seen (a fresh `GEN-<n>`),
one at a time over a kept-alive connection; each direct sample is `GET /api/v1/documents/...`
from this process to the simulator with a token, also on a fresh document. The two alternate,
so both see the same machine at the same moment.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks import queries
from benchmarks.client import (
    Simulator,
    enovia_document,
    enovia_scan_calls,
    enovia_token,
    post_graphql,
)
from benchmarks.context import Bench
from benchmarks.report import Figure, Ratio, info
from benchmarks.stats import summary

WARM_UP = 5
#: `enovia_document` or `enovia_scan_calls`: (client, ENOVIA URL, uid, token).
DirectCalls = Callable[[httpx.AsyncClient, str, str, str], Awaitable[None]]
ALLOWANCE_MS = 3.0
ZERO_LATENCY_SAMPLES = 20


def run(bench: Bench) -> list[Figure]:
    return asyncio.run(_run(bench))


@dataclass
class Samples:
    gateway_ms: list[float] = field(default_factory=list)
    direct_ms: list[float] = field(default_factory=list)
    # The scan's three calls sent at once from the benchmark itself: what they cost ENOVIA
    # (here, one simulator process) and a plain httpx client, with no gateway in between.
    three_ms: list[float] = field(default_factory=list)
    freshness: Counter[str] = field(default_factory=Counter)


async def _run(bench: Bench) -> list[Figure]:
    async with (
        httpx.AsyncClient(timeout=30.0) as to_gateway,
        httpx.AsyncClient(timeout=30.0) as to_enovia,
    ):
        token = await enovia_token(to_enovia, bench.simulator_url)
        samples = await _sample(to_gateway, to_enovia, bench, token, bench.options.cold_samples)
        # The same at L = 0: what the gateway's own cold path costs, with no latency to hide in.
        simulator = Simulator(to_enovia, bench.simulator_url)
        await simulator.set_latency(0)
        try:
            at_zero = await _sample(to_gateway, to_enovia, bench, token, ZERO_LATENCY_SAMPLES)
        finally:
            await simulator.set_latency(bench.latency_ms)
    figures = _figures(bench, summary(samples.gateway_ms), summary(samples.direct_ms), samples)
    figures.append(_zero_latency_figure(summary(at_zero.gateway_ms), summary(at_zero.direct_ms)))
    return figures


async def _sample(
    to_gateway: httpx.AsyncClient, to_enovia: httpx.AsyncClient, bench: Bench, token: str, n: int
) -> Samples:
    samples = Samples()
    for index in range(WARM_UP + n):
        answer, took = await _timed_scan(to_gateway, bench)
        direct = await _timed_direct(to_enovia, bench, token, enovia_document)
        three = await _timed_direct(to_enovia, bench, token, enovia_scan_calls)
        if index >= WARM_UP:
            samples.gateway_ms.append(took)
            samples.direct_ms.append(direct)
            samples.three_ms.append(three)
            samples.freshness[answer["data"]["document"]["freshness"]] += 1
    return samples


def _zero_latency_figure(gateway: dict[str, float], direct: dict[str, float]) -> Figure:
    extra = gateway["p50"] - direct["p50"]
    return info(
        "cold.scan.zero_latency",
        "  the same at L = 0 (the gateway's own cold path)",
        gateway["p50"],
        "ms",
        f"p50 {gateway['p50']:.1f} ms vs direct {direct['p50']:.1f} ms (+{extra:.1f})",
        gateway_ms=gateway,
        direct_enovia_ms=direct,
    )


async def _timed_scan(client: httpx.AsyncClient, bench: Bench) -> tuple[dict[str, Any], float]:
    payload = queries.body(queries.SCAN, queries.scan_variables(bench.uids.one()))
    started = time.perf_counter()
    answer = await post_graphql(client, bench.gateway_url, payload)
    return answer, (time.perf_counter() - started) * 1000


async def _timed_direct(
    client: httpx.AsyncClient, bench: Bench, token: str, calls: DirectCalls
) -> float:
    """Milliseconds `calls` took on a fresh document, straight from here to ENOVIA."""
    uid = bench.uids.one()
    started = time.perf_counter()
    await calls(client, bench.simulator_url, uid, token)
    return (time.perf_counter() - started) * 1000


def _figures(
    bench: Bench, gateway: dict[str, float], direct: dict[str, float], samples: Samples
) -> list[Figure]:
    latency = bench.latency_ms
    limit = direct["p50"] + ALLOWANCE_MS
    p50 = gateway["p50"]
    details = {
        "latency_ms_L": latency,
        "gateway_ms": gateway,
        "direct_enovia_ms": direct,
        "document_freshness": dict(samples.freshness),
        "over_direct_p50_ms": round(p50 - direct["p50"], 3),
        "over_L_ms": round(p50 - latency, 3),
    }
    main = Figure(
        key="cold.scan.p50",
        label="cold scan latency p50 (vs direct ENOVIA p50)",
        value=p50,
        unit="ms",
        shown=f"{p50:.1f} ms (+{p50 - direct['p50']:.1f} over direct, +{p50 - latency:.1f} over L)",
        target=f"<= direct p50 + {ALLOWANCE_MS:g} ms = {limit:.1f} ms",
        met=p50 <= limit,
        details=details,
        ratio=Ratio(
            "cold scan p50 / direct ENOVIA p50", p50 / direct["p50"], limit / direct["p50"], False
        ),
    )
    return [
        main,
        info(
            "cold.scan.p99",
            "cold scan latency p90 / p99",
            gateway["p99"],
            "ms",
            f"{gateway['p90']:.1f} / {gateway['p99']:.1f} ms (n={gateway['n']:g})",
        ),
        Figure(
            key="cold.scan.over_L",
            label="cold scan latency p50 vs L",
            value=p50 - latency,
            unit="ms",
            shown=f"L + {p50 - latency:.1f} ms",
            target=f"(info) quality.md: <= L + {ALLOWANCE_MS:g} ms",
            ratio=Ratio(
                "cold scan p50 / L", p50 / latency, (latency + ALLOWANCE_MS) / latency, False
            )
            if latency > 0
            else None,
        ),
        info(
            "cold.direct",
            f"direct ENOVIA round trip p50 / p99 (L = {latency:g} ms)",
            direct["p50"],
            "ms",
            f"{direct['p50']:.1f} / {direct['p99']:.1f} ms",
        ),
        _three_figure(summary(samples.three_ms), direct, p50),
    ]


def _three_figure(three: dict[str, float], direct: dict[str, float], p50: float) -> Figure:
    return info(
        "cold.direct_three",
        "  the scan's three ENOVIA calls sent at once, direct, p50",
        three["p50"],
        "ms",
        f"{three['p50']:.1f} ms (one call + {three['p50'] - direct['p50']:.1f}; "
        f"the gateway's scan + {p50 - three['p50']:.1f} over it)",
        direct_three_ms=three,
    )
