"""Gateway memory while many distinct documents pass through a bounded cache.

A gateway of its own (bounded cache, long TTLs so nothing expires during the run) is asked
for `memory_documents` distinct `GEN-<n>` documents with their latest revisions, 100 per
`documents` query, a few queries at a time; its RSS (`/proc/<pid>/status` VmRSS) is sampled
meanwhile. The target: RSS levels off (the second half of the run adds at most a few percent),
it does not grow with the number of documents. A time budget bounds the part: a gateway too
slow to see them all in it is judged on the documents that did pass (the table says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks import queries
from benchmarks.client import limits, post_graphql
from benchmarks.context import Bench
from benchmarks.processes import HOST, redis_server_path, rss_kib, start_redis
from benchmarks.report import Figure, Ratio, skipped

BATCH = 100
SAMPLE_EVERY_S = 0.2
LONG_TTL = "3600"
# Second-half growth allowed: 5% of the RSS at half-way, and never less than 4 MiB.
ALLOWED_GROWTH = 0.05
ALLOWED_GROWTH_FLOOR_MIB = 4.0


@dataclass
class Samples:
    """(seconds since start, documents done, RSS MiB), and the queries that failed."""

    points: list[tuple[float, int, float]] = field(default_factory=list)
    done: int = 0
    failures: int = 0
    first_errors: list[str] = field(default_factory=list)

    def failed(self, exc: Exception) -> None:
        self.failures += 1
        if len(self.first_errors) < 3:
            self.first_errors.append(f"{type(exc).__name__}: {str(exc)[:300]}")

    def take(self, pid: int, started: float) -> None:
        kib = rss_kib(pid)
        if kib is not None:
            self.points.append((time.perf_counter() - started, self.done, kib / 1024))


def run_memory(bench: Bench) -> list[Figure]:
    return [_run(bench, "memory")]


def run_redis(bench: Bench) -> list[Figure]:
    if redis_server_path() is None:
        reason = "redis-server is not installed (apt-get install redis-server)"
        print(f"  {reason}")
        return [skipped("memory.redis", "gateway RSS, Redis cache", reason)]
    return [_run(bench, "redis")]


def _run(bench: Bench, backend: str) -> Figure:
    options = bench.options
    settings = {
        "GATEWAY_CACHE_MAX_ENTRIES": str(options.cache_entries),
        "GATEWAY_CACHE_TTL_DOCUMENT": LONG_TTL,
        "GATEWAY_CACHE_TTL_REVISION": LONG_TTL,
        "GATEWAY_CACHE_TTL_LATEST": LONG_TTL,
    }
    with ExitStack() as stack:
        redis_port = None
        if backend == "redis":
            redis, redis_port = start_redis(bench.log_dir, bench.work_dir)
            stack.callback(redis.stop)
            settings["GATEWAY_CACHE_URL"] = f"redis://{HOST}:{redis_port}/0"
        name = "memory" if backend == "memory" else "memory-redis"
        gateway, url = bench.start_gateway(f"gateway-{name}", settings, stack, name)
        idle_mib = (rss_kib(gateway.pid) or 0) / 1024
        samples, cache, elapsed = asyncio.run(_drive(bench, url, gateway.pid))
        redis_info = _redis_memory(redis_port) if redis_port is not None else {}
    if redis_port is not None:
        redis_info["cache_failures_logged"] = _count_in(gateway.log_path, "cache.redis_failed")
    return _figure(bench, backend, samples, idle_mib, cache, elapsed, redis_info)


def _count_in(log: Path, text: str) -> int:
    """Lines of the gateway's log that mention *text* (its warnings, e.g. a failing Redis)."""
    try:
        return sum(text in line for line in log.read_text(errors="replace").splitlines())
    except OSError:
        return 0


async def _drive(bench: Bench, url: str, pid: int) -> tuple[Samples, dict[str, object], float]:
    options = bench.options
    async with httpx.AsyncClient(timeout=60.0, limits=limits(options.memory_concurrency)) as client:
        for _ in range(2):  # first queries: imports, parse caches, connections
            await post_graphql(client, url, _batch_body(bench.uids.many(BATCH)))
        samples = Samples()
        started = time.perf_counter()
        samples.take(pid, started)
        batches = _batches(bench, options.memory_documents, started + options.memory_budget_s)
        sampler = asyncio.create_task(_sample(samples, pid, started))
        try:
            workers = [
                _worker(client, url, batches, samples) for _ in range(options.memory_concurrency)
            ]
            await asyncio.gather(*workers)
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
        elapsed = time.perf_counter() - started
        samples.take(pid, started)
        cache = await _cache_state(client, url)
    return samples, cache, elapsed


def _batches(bench: Bench, documents: int, deadline: float) -> Iterator[bytes]:
    """The batches of fresh uids, until *documents* or the *deadline* (perf_counter)."""
    for first in range(0, documents, BATCH):
        if time.perf_counter() > deadline:
            return
        yield _batch_body(bench.uids.many(min(BATCH, documents - first)))


def _batch_body(uids: list[str]) -> bytes:
    return queries.body(queries.DOCUMENTS, {"uids": uids})


async def _worker(
    client: httpx.AsyncClient, url: str, batches: Iterator[bytes], samples: Samples
) -> None:
    for payload in batches:  # one shared iterator: each batch is sent once
        try:
            await post_graphql(client, url, payload)
        except Exception as exc:
            samples.failed(exc)
        samples.done += BATCH


async def _sample(samples: Samples, pid: int, started: float) -> None:
    while True:
        await asyncio.sleep(SAMPLE_EVERY_S)
        samples.take(pid, started)


async def _cache_state(client: httpx.AsyncClient, url: str) -> dict[str, object]:
    try:
        response = await client.get(f"{url}/api/v1/health/detailed")
        cache: dict[str, object] = response.json().get("cache", {})
        return cache
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _redis_memory(port: int) -> dict[str, object]:
    import redis

    client = redis.Redis(host=HOST, port=port, socket_timeout=5.0)
    try:
        memory = client.info("memory")
        return {"used_memory_mib": round(memory["used_memory"] / 2**20, 1), "keys": client.dbsize()}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        client.close()


def _figure(
    bench: Bench,
    backend: str,
    samples: Samples,
    idle_mib: float,
    cache: dict[str, object],
    elapsed: float,
    redis_info: dict[str, object],
) -> Figure:
    points = samples.points
    asked = bench.options.memory_documents
    documents = samples.done
    start = points[0][2]
    peak = max(point[2] for point in points)
    end = points[-1][2]
    half = next((p[2] for p in points if p[1] >= documents // 2), end)
    growth = end - half
    allowed = max(ALLOWED_GROWTH * half, ALLOWED_GROWTH_FLOOR_MIB)
    label = "memory://" if backend == "memory" else "Redis"
    bound = f"{bench.options.cache_entries:,} entries" if backend == "memory" else "in Redis"
    complete = documents >= asked
    details: dict[str, object] = {
        "backend": label,
        "documents_asked": asked,
        "documents_passed": documents,
        "completed": complete,
        "budget_s": bench.options.memory_budget_s,
        "cache_entries_per_document": 2,
        "cache_max_entries": bench.options.cache_entries,
        "cache_at_end": cache,
        "idle_after_start_mib": round(idle_mib, 1),
        "start_mib": round(start, 1),
        "half_way_mib": round(half, 1),
        "peak_mib": round(peak, 1),
        "end_mib": round(end, 1),
        "second_half_growth_mib": round(growth, 1),
        "allowed_second_half_growth_mib": round(allowed, 1),
        "failed_queries": samples.failures,
        "first_errors": samples.first_errors,
        "seconds": round(elapsed, 1),
        "documents_per_s": round(documents / elapsed) if elapsed else None,
        "rss_series": _thin([(p[1], round(p[2], 1)) for p in points], 200),
    }
    if redis_info:
        details["redis"] = redis_info
    shown = f"start {start:.0f} / peak {peak:.0f} / end {end:.0f} MiB, 2nd half {growth:+.1f}"
    if not complete:
        shown += f"; budget ran out at {documents:,} docs ({details['documents_per_s']}/s)"
    if samples.failures:
        shown += f"; {samples.failures} failed queries"
    if redis_info.get("cache_failures_logged"):
        shown += f"; {redis_info['cache_failures_logged']} Redis cache failures logged"
    return Figure(
        key=f"memory.{backend}",
        label=f"gateway RSS, {asked:,} docs, cache {label} ({bound})",
        value=end,
        unit="MiB",
        shown=shown,
        target=f"levels off: 2nd half adds <= {allowed:.0f} MiB",
        met=growth <= allowed and samples.failures == 0,
        details=details,
        ratio=Ratio(f"RSS end / half-way ({label})", end / half, (half + allowed) / half, False),
    )


def _thin(series: list[tuple[int, float]], most: int) -> list[tuple[int, float]]:
    if len(series) <= most:
        return series
    step = len(series) / most
    return [series[int(i * step)] for i in range(most)] + [series[-1]]
