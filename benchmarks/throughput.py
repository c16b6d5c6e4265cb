"""Warm queries under load with wrk: the single-document query against the floor of the HTTP
stack (a bare Starlette endpoint answering the same bytes), and the 100-document query.

The judged figures send one fixed body, as the issue says; a gateway that keeps whole answers
for identical bodies (a response cache) answers those from it. Each is shown next to the same
query sent as VARIANTS distinct bodies (the variables carry an extra, unused `benchVariant`
number; every resource is still warm), which no response cache of fewer entries can answer:
the cost of executing the query on warm data.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

import httpx
import orjson

from benchmarks import queries
from benchmarks.client import JSON, CallCounts, Simulator
from benchmarks.context import Bench
from benchmarks.processes import start_floor
from benchmarks.report import Figure, Ratio, info
from benchmarks.wrk import WrkResult, run_wrk

#: The targets: a replayed answer (one fixed body: the response cache answers it) and an
#: executed one (distinct bodies: every query runs, on warm data), each against the floor of
#: the same run; the 100-document query's p50, replayed and executed.
REPLAYED_FLOOR_SHARE = 0.40
EXECUTED_FLOOR_SHARE = 0.20
HUNDRED_P50_MS = 6.0
HUNDRED_EXECUTED_P50_MS = 3.0
SINGLE_UID = "DOC-001"
# More distinct bodies than a response cache of 1000 entries keeps, sent round and round.
VARIANTS = 2000


def _post(url: str, payload: bytes) -> bytes:
    """A synchronous POST /graphql; the answer's bytes, RuntimeError on GraphQL errors."""
    response = httpx.post(f"{url}/graphql", content=payload, headers=JSON, timeout=30.0)
    if response.status_code != 200 or orjson.loads(response.content).get("errors"):
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:500]}")
    return response.content


def _counts(bench: Bench, reset: bool) -> CallCounts | None:
    async def ask() -> CallCounts | None:
        async with httpx.AsyncClient(timeout=10.0) as client:
            simulator = Simulator(client, bench.simulator_url)
            if reset:
                await simulator.reset()
                return None
            return await simulator.counts()

    return asyncio.run(ask())


def _warm_wrk(
    bench: Bench, url: str, payload: bytes, body_file: Path, connections: int
) -> tuple[WrkResult, CallCounts]:
    """wrk against *url* right after a warming request; the ENOVIA calls made meanwhile."""
    _post(url, payload)
    _counts(bench, reset=True)
    result = run_wrk(
        f"{url}/graphql",
        body_file,
        connections=connections,
        duration_s=bench.options.duration_s,
    )
    counts = _counts(bench, reset=False)
    assert counts is not None
    return result, counts


def _variants(bench: Bench, name: str, query: str, variables: dict[str, object]) -> Path:
    """A wrk body file of VARIANTS bodies that differ only in an unused variable."""
    bodies = (queries.body(query, {**variables, "benchVariant": n}) for n in range(VARIANTS))
    return bench.body_file(name, b"\n".join(bodies) + b"\n")


def _load_details(result: WrkResult, counts: CallCounts | None = None) -> dict[str, object]:
    details: dict[str, object] = {"wrk": result.as_json()}
    if counts is not None:
        details["enovia_document_calls_during_run"] = counts.document_calls
    return details


def _rate(result: WrkResult) -> str:
    return (
        f"{result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.2f} / "
        f"p99 {result.p99_ms:.2f} ms (c={result.connections})"
        + (f", {result.error_count} errors" if result.error_count else "")
    )


def run_single(bench: Bench) -> list[Figure]:
    variables: dict[str, object] = {"uid": SINGLE_UID}
    payload = queries.body(queries.DOCUMENT, variables)
    _post(bench.gateway_url, payload)  # cold
    answer = _post(bench.gateway_url, payload)  # warm: the bytes the floor will answer
    if b'"CACHED"' not in answer:
        raise RuntimeError(f"the second answer is not from the cache: {answer[:300]!r}")
    fixed_file = bench.body_file("single-request.json", payload)
    varied_file = _variants(bench, "single-variants.json", queries.DOCUMENT, variables)
    connections = bench.options.connections
    runs: dict[str, tuple[WrkResult, CallCounts]] = {}
    with ExitStack() as stack:
        floor_url = _floor(bench, stack, payload, answer)
        for kind, body_file in (("fixed", fixed_file), ("distinct", varied_file)):
            if bench.options.bodies in (kind, "both"):
                runs[kind] = _warm_wrk(bench, bench.gateway_url, payload, body_file, connections)
        floor = run_wrk(
            f"{floor_url}/graphql",
            fixed_file,
            connections=connections,
            duration_s=bench.options.duration_s,
        )
    figures = [
        _single_figure(kind, result, counts, floor) for kind, (result, counts) in runs.items()
    ]
    figures.append(
        info(
            "warm.single.floor",
            "  floor (bare Starlette, same bytes)",
            floor.requests_per_s,
            "req/s",
            _rate(floor),
            answer_bytes=len(answer),
            wrk=floor.as_json(),
        )
    )
    return figures


def _floor(bench: Bench, stack: ExitStack, payload: bytes, answer: bytes) -> str:
    """The floor app answering the gateway's bytes, stopped when *stack* closes."""
    floor, url = start_floor(bench.body_file("single-answer.json", answer), bench.log_dir)
    stack.callback(floor.stop)
    if _post(url, payload) != answer:
        raise RuntimeError("the floor app does not answer the gateway's bytes")
    return url


def _single_figure(kind: str, result: WrkResult, counts: CallCounts, floor: WrkResult) -> Figure:
    share = result.requests_per_s / floor.requests_per_s
    details = _load_details(result, counts)
    if kind == "fixed":
        return Figure(
            key="warm.single.share_of_floor",
            label="warm single-document, replayed (one body), gateway / floor",
            value=share,
            unit="ratio",
            shown=f"{share:.3f}: {_rate(result)}",
            target=f">= {REPLAYED_FLOOR_SHARE}",
            met=share >= REPLAYED_FLOOR_SHARE,
            details=details,
            ratio=Ratio("warm 1-doc replayed / floor", share, REPLAYED_FLOOR_SHARE, True),
        )
    return Figure(
        key="warm.single.distinct_bodies.share_of_floor",
        label=f"warm single-document, executed ({VARIANTS} distinct bodies), gateway / floor",
        value=share,
        unit="ratio",
        shown=f"{share:.3f}: {_rate(result)}",
        target=f">= {EXECUTED_FLOOR_SHARE}",
        met=share >= EXECUTED_FLOOR_SHARE,
        details=details,
        ratio=Ratio("warm 1-doc executed / floor", share, EXECUTED_FLOOR_SHARE, True),
    )


def run_hundred(bench: Bench) -> list[Figure]:
    # GEN documents all have a released revision: no 404 is cached for GATEWAY_CACHE_TTL_NOT_FOUND
    # only (5 s), so the whole answer stays warm (13 of PTE-0001..0100 have none).
    variables: dict[str, object] = {"uids": bench.uids.many(100)}
    payload = queries.body(queries.DOCUMENTS, variables)
    _post(bench.gateway_url, payload)  # cold: 200 ENOVIA calls
    bodies = bench.options.bodies
    figures: list[Figure] = []
    if bodies in ("fixed", "both"):
        body_file = bench.body_file("documents100-request.json", payload)
        alone, counts = _warm_wrk(bench, bench.gateway_url, payload, body_file, 1)
        figures.append(_hundred_figure("fixed", alone, counts))
        loaded, loaded_counts = _warm_wrk(
            bench, bench.gateway_url, payload, body_file, bench.options.connections
        )
        figures.append(
            info(
                "warm.documents100.throughput",
                "  warm 100-document query under load",
                loaded.requests_per_s,
                "req/s",
                _rate(loaded),
                **_load_details(loaded, loaded_counts),
            )
        )
    if bodies in ("distinct", "both"):
        varied_file = _variants(bench, "documents100-variants.json", queries.DOCUMENTS, variables)
        varied, varied_counts = _warm_wrk(bench, bench.gateway_url, payload, varied_file, 1)
        figures.insert(1 if figures else 0, _hundred_figure("distinct", varied, varied_counts))
    return figures


def _hundred_figure(kind: str, result: WrkResult, counts: CallCounts) -> Figure:
    p50 = result.p50_ms
    shown = f"{p50:.2f} ms (p99 {result.p99_ms:.2f}, {result.requests_per_s:,.0f} req/s)"
    if kind == "fixed":
        return Figure(
            key="warm.documents100.p50",
            label="warm 100-document query, replayed (one body), p50 (1 connection)",
            value=p50,
            unit="ms",
            shown=shown,
            target=f"<= {HUNDRED_P50_MS:g} ms",
            met=p50 <= HUNDRED_P50_MS,
            details=_load_details(result, counts),
            ratio=Ratio("warm 100-doc replayed p50 / 6 ms", p50 / HUNDRED_P50_MS, 1.0, False),
        )
    return Figure(
        key="warm.documents100.distinct_bodies.p50",
        label=f"warm 100-document query, executed ({VARIANTS} distinct bodies), p50",
        value=p50,
        unit="ms",
        shown=shown,
        target=f"<= {HUNDRED_EXECUTED_P50_MS:g} ms",
        met=p50 <= HUNDRED_EXECUTED_P50_MS,
        details=_load_details(result, counts),
        ratio=Ratio("warm 100-doc executed p50 / 3 ms", p50 / HUNDRED_EXECUTED_P50_MS, 1.0, False),
    )
