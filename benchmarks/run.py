"""`python -m benchmarks.run`: every figure of quality.md's Performance table in one run.

Starts the ENOVIA simulator (fixed latency), the gateway (one uvicorn worker, uvloop,
httptools) and, where needed, a bare Starlette floor app, Redis and extra gateways, each as
its own process; measures; stops them all (also on Ctrl+C or failure); prints a table and
writes `benchmarks/results/<timestamp>.json`, `latest.json` and `latest.png`.
"""

from __future__ import annotations

import _thread
import argparse
import dataclasses
import importlib.util
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from benchmarks import (
    calls,
    drawing_set,
    latency,
    memory,
    queries,
    report,
    subscriptions,
    throughput,
)
from benchmarks.client import JSON
from benchmarks.context import Bench, Options
from benchmarks.processes import ProcessError, start_simulator
from benchmarks.report import Figure
from benchmarks.wrk import INSTALL_HINT, wrk_path

RESULTS = Path(__file__).resolve().parent / "results"

Scenario = Callable[[Bench], list[Figure]]
SCENARIOS: dict[str, tuple[Scenario, str]] = {
    "calls": (calls.run, "ENOVIA calls per query (cold, warm, duplicates, concurrent)"),
    "cold-latency": (latency.run, "cold scan latency against a direct ENOVIA round trip"),
    "warm-single": (throughput.run_single, "warm single-document query against the floor"),
    "warm-100": (throughput.run_hundred, "warm 100-document query"),
    "drawing-set": (drawing_set.run, "a 100-sheet drawing set, cold and warm"),
    "memory": (memory.run_memory, "gateway RSS with a bounded in-memory cache"),
    "memory-redis": (memory.run_redis, "gateway RSS with the cache in Redis"),
    "subscriptions": (subscriptions.run, "1,000 idle subscriptions: RSS and ENOVIA calls"),
}
ON_MAIN_GATEWAY = ("calls", "cold-latency", "warm-single", "warm-100", "drawing-set")
NEEDS_WRK = ("warm-single", "warm-100")
# A 1-minute load average above this (besides the run's own ~2 busy processes) means other
# work competed for the CPUs.
BUSY_LOAD = 3.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Measure the gateway's performance figures (quality.md) in one run.",
    )
    parser.add_argument("--latency-ms", type=float, default=20.0, help="ENOVIA latency L")
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk figure")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (~3 s a figure)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only these parts (repeat or comma-separate): {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--cold-samples", type=int, default=None, help="cold scans to time")
    parser.add_argument("--concurrent", type=int, default=200, help="identical cold queries")
    parser.add_argument("--memory-docs", type=int, default=None, help="distinct documents")
    parser.add_argument("--cache-entries", type=int, default=None, help="memory cache bound")
    parser.add_argument("--memory-concurrency", type=int, default=2, help="batches in flight")
    parser.add_argument(
        "--memory-budget", type=float, default=None, help="seconds at most per memory part"
    )
    parser.add_argument(
        "--bodies",
        choices=("both", "fixed", "distinct"),
        default="both",
        help="warm figures: one fixed body (judged), distinct bodies (no whole-answer reuse)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the gateways under pyinstrument: results/profile-<name>.txt (figures skew)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is not met")
    return parser


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = build_parser()
    args = parser.parse_args(argv)
    only = tuple(name.strip() for value in args.only for name in value.split(",") if name.strip())
    unknown = [name for name in only if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown --only {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    quick = args.quick
    return Options(
        latency_ms=args.latency_ms,
        duration_s=args.duration if args.duration is not None else (3.0 if quick else 10.0),
        quick=quick,
        connections=args.connections,
        cold_samples=args.cold_samples or (20 if quick else 50),
        concurrent_queries=args.concurrent,
        memory_documents=args.memory_docs or (20_000 if quick else 100_000),
        cache_entries=args.cache_entries or (500 if quick else 10_000),
        memory_concurrency=args.memory_concurrency,
        memory_budget_s=args.memory_budget or (15.0 if quick else 120.0),
        bodies=args.bodies,
        profile=args.profile,
        strict=args.strict,
        only=tuple(name for name in SCENARIOS if name in only) if only else tuple(SCENARIOS),
    )


def _stop_on_signals() -> None:
    """Ctrl+C and SIGTERM both end a run as KeyboardInterrupt (asyncio cancels its task first),
    so that every process is stopped; SIGINT too when the harness was started ignoring it."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        _thread.interrupt_main()

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_sigterm)


def _warm_up(url: str, uid: str) -> None:
    """One query first: the gateway's token, connections and imports are not measured."""
    payload = queries.body(queries.SCAN, queries.scan_variables(uid))
    response = httpx.post(f"{url}/graphql", content=payload, timeout=30.0, headers=JSON)
    response.raise_for_status()


def _measure(bench: Bench, stack: ExitStack, figures: list[Figure]) -> None:
    """Run the selected parts, appending to *figures* as each one ends (so that an interrupted
    run still reports what it measured)."""
    names = bench.options.only
    if any(name in ON_MAIN_GATEWAY for name in names):
        profile_name = "-".join(n for n in names if n in ON_MAIN_GATEWAY)
        bench.gateway, bench.gateway_url = bench.start_gateway("gateway", {}, stack, profile_name)
        _warm_up(bench.gateway_url, bench.uids.one())
    for name in names:
        scenario, title = SCENARIOS[name]
        print(f"== {name}: {title}", flush=True)
        started = time.monotonic()
        try:
            figures += scenario(bench)
        except Exception as exc:  # reported as a failed figure; the other parts still run
            traceback.print_exc()
            figures.append(report.failed(name, f"{name} (failed)", exc))
        print(f"   {time.monotonic() - started:.1f} s", flush=True)


def run(options: Options) -> int:
    if any(name in NEEDS_WRK for name in options.only) and wrk_path() is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    if options.profile and importlib.util.find_spec("pyinstrument") is None:
        print("--profile needs pyinstrument: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    started_at = time.time()
    stamp = report.timestamp()
    load_at_start = os.getloadavg()
    _stop_on_signals()
    figures: list[Figure] = []
    profiles: dict[Path, str] = {}
    interrupted = False
    try:
        with tempfile.TemporaryDirectory(prefix="enovia-bench-") as work, ExitStack() as stack:
            log_dir = RESULTS / "logs"
            simulator, simulator_url = start_simulator(options.latency_ms, log_dir, Path(work))
            stack.callback(simulator.stop)
            bench = Bench(options, RESULTS, log_dir, Path(work), simulator_url, profiles=profiles)
            _measure(bench, stack, figures)
            stack.close()  # every process stopped (and profiles written) before the report
    except KeyboardInterrupt:
        if not figures:
            raise
        print("\ninterrupted: every process the harness started was stopped", file=sys.stderr)
        interrupted = True
    outcome = Run(options, stamp, started_at, load_at_start, profiles, interrupted)
    return _report(outcome, figures)


@dataclasses.dataclass(frozen=True)
class Run:
    options: Options
    stamp: str
    started_at: float
    load_at_start: tuple[float, float, float]
    profiles: dict[Path, str]  # text file: its hot spots
    interrupted: bool


def _report(run: Run, figures: list[Figure]) -> int:
    options = run.options
    load_at_end = os.getloadavg()
    print()
    print(report.table(figures))
    print()
    print(report.summary_line(figures))
    busiest = max(run.load_at_start[0], load_at_end[0])
    if busiest > BUSY_LOAD:
        print(
            f"note: other work shared the machine (1-minute load average up to {busiest:.1f} "
            f"on {os.cpu_count()} CPUs): absolute figures are noisy, ratios less so"
        )
    document: dict[str, Any] = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(run.started_at)),
        "seconds": round(time.time() - run.started_at, 1),
        "interrupted": run.interrupted,
        "options": dataclasses.asdict(options),
        "environment": {
            **report.environment(),
            "load_average_start": run.load_at_start,
            "load_average_end": load_at_end,
        },
        "figures": [figure.as_json() for figure in figures],
        "profiles": [str(path) for path in run.profiles],
    }
    # latest.* are complete, unprofiled runs only (a profiled run's figures are skewed).
    suffix = "-profiled" if options.profile else "-interrupted" if run.interrupted else ""
    latest = not suffix
    written = report.write_json(RESULTS, document, stamp=run.stamp + suffix, latest=latest)
    chart = report.write_chart(
        RESULTS / ("latest.png" if latest else f"{run.stamp}{suffix}.png"), figures
    )
    for path in [*written, *([chart] if chart else []), *run.profiles]:
        print(f"wrote {path}")
    for path, spots in run.profiles.items():
        print(f"\n-- hot spots, {path.name}\n{spots}")
    if run.interrupted:
        return 130
    missed = any(figure.met is False for figure in figures)
    return 1 if options.strict and missed else 0


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        return run(options)
    except KeyboardInterrupt:
        print("\ninterrupted: every process the harness started was stopped", file=sys.stderr)
        return 130
    except ProcessError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
