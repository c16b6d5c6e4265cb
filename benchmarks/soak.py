"""Soak: a steady query rate for minutes while ENOVIA's faults switch on and off; reports the
answers, the gateway's own errors and its memory over time. Run by hand, not in CI:

    .venv/bin/python -m benchmarks.soak [--minutes 5] [--rate 50] [--phase-seconds 30] [--redis]

Everything it starts (simulator, gateway, redis-server) runs on 127.0.0.1 on free ports and
is stopped when it ends, on Ctrl+C too. Results: benchmarks/results/soak-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.processes import ROOT, rss_kib, start_gateway, start_redis, start_simulator

#: (name, faults) in the order they come round; "steady" phases sit between the faulty ones.
PHASES: list[tuple[str, dict[str, Any]]] = [
    ("steady", {}),
    ("503 x 10%", {"error_rate": 0.1, "error_status": 503}),
    ("steady", {}),
    ("ENOVIA down", {"down": True}),
    ("steady", {}),
    ("slow + 2 s tokens", {"latency_ms": 200, "jitter_ms": 100, "token_ttl": 2}),
    ("steady", {}),
    ("429 every 5th", {"rate_limit": {"every": 5, "retry_after": 1}}),
    ("steady", {}),
    ("ENOVIA hanging", {"hang": True}),
]

QUERY = """query Scan($uid: ID!) {
  document(uid: $uid) { uid title freshness latestRevision { revision } }
  actuality(uid: $uid, revision: "B", maxAge: 5) { isActual reason freshness }
}"""


@dataclass
class PhaseReport:
    name: str
    started_s: float
    queries: int = 0
    answered: int = 0  # every field with data
    partial: int = 0  # some fields with data, some errors
    failed: int = 0  # no data at all, with an error code
    gateway_errors: int = 0  # HTTP 5xx, INTERNAL_SERVER_ERROR or no answer: the gateway's own
    stale_fields: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        latencies = data.pop("latencies_ms")
        data["codes"] = dict(self.codes)
        data["p50_ms"] = round(statistics.median(latencies), 1) if latencies else None
        data["p99_ms"] = (
            round(statistics.quantiles(latencies, n=100)[98], 1) if len(latencies) > 1 else None
        )
        return data


async def drive(
    gateway_url: str, simulator_url: str, options: argparse.Namespace
) -> list[PhaseReport]:
    reports: list[PhaseReport] = []
    rng = random.Random(7)
    started = time.monotonic()
    end = started + options.minutes * 60
    interval = 1.0 / options.rate
    pending: set[asyncio.Task[None]] = set()
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        phase_index = 0
        while time.monotonic() < end:
            name, faults = PHASES[phase_index % len(PHASES)]
            phase_index += 1
            await client.post(f"{simulator_url}/_sim/reset")
            if faults:
                await client.post(f"{simulator_url}/_sim/faults", json=faults)
            report = PhaseReport(name, round(time.monotonic() - started, 1))
            reports.append(report)
            phase_end = min(end, time.monotonic() + options.phase_seconds)
            next_sample = time.monotonic()
            next_send = time.monotonic()
            while time.monotonic() < phase_end:
                if time.monotonic() >= next_sample:
                    rss = rss_kib(options.gateway_pid)
                    if rss is not None:
                        report.rss_kib.append(rss)
                    next_sample += 5.0
                # A hot set of documents is asked again and again, the rest now and then.
                uid = f"GEN-{rng.randrange(200) if rng.random() < 0.8 else rng.randrange(100_000)}"
                task = asyncio.create_task(one_query(client, gateway_url, uid, report))
                pending.add(task)
                task.add_done_callback(pending.discard)
                next_send += interval
                await asyncio.sleep(max(0.0, next_send - time.monotonic()))
            print_phase(report)
        await client.post(f"{simulator_url}/_sim/reset")
        if pending:
            await asyncio.wait(pending, timeout=60)
    return reports


async def one_query(client: httpx.AsyncClient, url: str, uid: str, report: PhaseReport) -> None:
    report.queries += 1
    sent = time.perf_counter()
    try:
        response = await client.post(
            f"{url}/graphql", json={"query": QUERY, "variables": {"uid": uid}}
        )
    except httpx.HTTPError as exc:
        report.gateway_errors += 1
        report.codes[f"no answer: {type(exc).__name__}"] += 1
        return
    report.latencies_ms.append((time.perf_counter() - sent) * 1000)
    if response.status_code >= 500:
        report.gateway_errors += 1
        report.codes[f"HTTP {response.status_code}"] += 1
        return
    body = response.json()
    data = body.get("data") or {}
    errors = body.get("errors") or []
    for error in errors:
        code = (error.get("extensions") or {}).get("code", "NONE")
        report.codes[code] += 1
        if code == "INTERNAL_SERVER_ERROR":
            report.gateway_errors += 1
    report.stale_fields += json.dumps(data).count('"STALE"')
    present = [value for value in data.values() if value is not None]
    if not errors:
        report.answered += 1
    elif present:
        report.partial += 1
    else:
        report.failed += 1


def print_phase(report: PhaseReport) -> None:
    summary = report.summary()
    rss = f"{report.rss_kib[-1] / 1024:.0f} MiB" if report.rss_kib else "?"
    print(
        f"{summary['started_s']:>7.0f}s  {report.name:<18} queries {report.queries:>5}  "
        f"answered {report.answered:>5}  partial {report.partial:>4}  failed {report.failed:>4}  "
        f"gateway errors {report.gateway_errors:>3}  stale fields {report.stale_fields:>4}  "
        f"p50 {summary['p50_ms']} ms  p99 {summary['p99_ms']} ms  rss {rss}  "
        f"codes {dict(report.codes)}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=50.0, help="queries per second")
    parser.add_argument("--phase-seconds", type=float, default=30.0)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--redis", action="store_true", help="the cache on a redis-server")
    options = parser.parse_args()
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    started: list[Any] = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        try:
            simulator, simulator_url = start_simulator(
                options.latency_ms, results / "logs", workdir
            )
            started.append(simulator)
            settings = {
                "GATEWAY_CACHE_MAX_ENTRIES": "5000",
                "GATEWAY_REQUEST_TIMEOUT": "3",
                "ENOVIA_TIMEOUT": "2",
                "ENOVIA_CIRCUIT_RESET_TIMEOUT": "3",
            }
            if options.redis:
                redis, port = start_redis(results / "logs", workdir)
                started.append(redis)
                settings["GATEWAY_CACHE_URL"] = f"redis://127.0.0.1:{port}/0"
            gateway, gateway_url = start_gateway(
                "gateway-soak", simulator_url, settings, log_dir=results / "logs", workdir=workdir
            )
            started.append(gateway)
            options.gateway_pid = gateway.pid
            reports = asyncio.run(drive(gateway_url, simulator_url, options))
        except KeyboardInterrupt:
            print("interrupted")
            return 130
        finally:
            for process in reversed(started):
                process.stop()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = results / f"soak-{stamp}.json"
    path.write_text(json.dumps([report.summary() for report in reports], indent=2))
    total_errors = sum(report.gateway_errors for report in reports)
    rss = [kib for report in reports for kib in report.rss_kib]
    print(
        f"\n{sum(r.queries for r in reports)} queries, {total_errors} gateway errors; "
        f"RSS {min(rss) / 1024:.0f}..{max(rss) / 1024:.0f} MiB "
        f"(first {rss[0] / 1024:.0f}, last {rss[-1] / 1024:.0f}); written to {path}"
    )
    return 1 if total_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
