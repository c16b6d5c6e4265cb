"""`/metrics` of `enovia-gateway serve --workers 2`: every scrape adds up both workers.

Each scrape reaches one worker; without prometheus_client's multiprocess mode it would count
only that worker's requests, and the totals would jump between the workers' values (which
Prometheus reads as counter resets). Here the real command runs with two worker processes on
the demo simulator and a real Redis (several workers need a shared cache), queries go out on
new connections so that both workers serve some, and several scrapes after each round must
all say exactly how many were sent. Which worker served how many is read from the worker's
own file in the metrics directory, with prometheus_client's reader.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.conftest import start_on_a_free_port
from tests.gateway.test_serve_command import Demo, clean_env, start_demo
from tests.gateway.ws_client import PROTOCOL, ws_url

SCAN = {"query": '{ actuality(uid: "DOC-001", revision: "B") { reason freshness } }'}
#: Queries per round, sent this many at a time (each on a connection of its own).
ROUND = 12
CONCURRENCY = 4
#: Scrapes after each round: each may reach either worker.
SCRAPES = 6
#: Seconds for anything the test waits for: both workers serving, a worker restarted, a stop.
DEADLINE = 60.0


@dataclass
class Served:
    """The command's parent process (uvicorn's supervisor) and its URL."""

    demo: Demo
    #: Every worker `workers` found, for the clean-up.
    seen: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.demo.url

    def workers(self) -> set[int]:
        """The worker processes uvicorn runs now (spawned interpreters, its children)."""
        found = {pid for pid in all_pids() if is_worker(pid, self.demo.process.pid)}
        self.seen |= found
        return found


def all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def is_worker(pid: int, parent: int | None = None) -> bool:
    """Whether `pid` is a multiprocessing worker (of `parent`, when given), from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it ended meanwhile
        return False
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    ppid = int(stat.rpartition(")")[2].split()[1])
    return b"spawn_main" in command and parent in {None, ppid}


@contextmanager
def serving(tmp_path: Path, *args: str, **settings: str) -> Iterator[Served]:
    """`enovia-gateway serve --demo <args>` with `settings` in its environment, until it
    answers; stopped after with SIGTERM (and its workers killed, should it not stop)."""
    env = clean_env(**settings)
    demo = start_on_a_free_port(lambda port: start_demo(tmp_path, port, args, env))
    served = Served(demo)
    try:
        yield served
    finally:
        # uvicorn stops its workers on SIGTERM; a parent that did not stop, or died, would
        # leave them serving: those are killed (still workers, not a pid used again).
        workers = served.workers() | served.seen
        if demo.process.poll() is None:
            demo.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                demo.process.wait(timeout=DEADLINE)
        if demo.process.returncode not in {0, -signal.SIGTERM}:
            for pid in workers:
                if is_worker(pid):
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        demo.stop()


def scan_round(url: str) -> Counter[str]:
    """ROUND scans, CONCURRENCY at a time, each on a new connection; how many verdicts came
    with each freshness (LIVE, or CACHED when another worker's fetch sent after the scan began
    answered it through Redis)."""

    def scan(_: int) -> str:
        answer = httpx.post(f"{url}/graphql", json=SCAN, timeout=30).json()
        verdict: dict[str, str] = answer["data"]["actuality"]
        assert verdict["reason"] == "CURRENT", answer
        return verdict["freshness"]

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return Counter(pool.map(scan, range(ROUND)))


def scrape(url: str) -> dict[str, float]:
    """Each series of one scrape, `name{label="value",...}` (labels sorted) -> value."""
    response = httpx.get(f"{url}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    return {
        sample.name + json.dumps(sample.labels, sort_keys=True): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(series: dict[str, float], name: str) -> float:
    """The sum of series `name` over all its labels."""
    return sum(value for key, value in series.items() if key.partition("{")[0] == name)


def served_by(directory: Path, pid: int) -> float:
    """The GraphQL requests worker `pid` counted, from its own file alone."""
    path = directory / f"counter_{pid}.db"
    if not path.exists():
        return 0.0
    return sum(
        sample.value
        for metric in MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
        if metric.name == "graphql_requests"
        for sample in metric.samples
        if sample.name == "graphql_requests_total"
    )


def one_directory(parent: Path) -> Path:
    (directory,) = parent.glob("enovia-gateway-metrics-*")
    return directory


@pytest.mark.redis
def test_every_scrape_adds_up_both_workers_and_never_goes_down(
    tmp_path: Path, redis_url: str
) -> None:
    temp = tmp_path / "tmp"  # where the command makes its metrics directory (TMPDIR)
    temp.mkdir()
    with serving(
        tmp_path, "--workers", "2", GATEWAY_CACHE_URL=redis_url, TMPDIR=str(temp)
    ) as gateway:
        directory = one_directory(temp)
        workers = gateway.workers()
        assert len(workers) == 2, workers
        before = scrape(gateway.url)
        assert total(before, "graphql_requests_total") == 0
        # Exported from the start, before any change: what the alerts read.
        assert before["enovia_circuit_state{}"] == 0
        assert before['gateway_cache_backend_up{"backend": "redis"}'] == 1

        answered: Counter[str] = Counter()
        seen: list[float] = []
        deadline = time.monotonic() + DEADLINE
        while True:
            answered += scan_round(gateway.url)
            sent = answered.total()
            scrapes = [scrape(gateway.url) for _ in range(SCRAPES)]
            seen += [total(series, "graphql_requests_total") for series in scrapes]
            assert seen[-SCRAPES:] == [sent] * SCRAPES, (sent, seen)
            answers = {total(series, "gateway_answers_total") for series in scrapes}
            assert answers == {sent}
            each = {pid: served_by(directory, pid) for pid in workers}
            if sent >= 3 * ROUND and all(each.values()):
                break
            assert time.monotonic() < deadline, f"one worker served all {sent} scans: {each}"
        assert seen == sorted(seen), "a total went down"
        assert sum(each.values()) == sent, each
        assert gateway.workers() == workers, "a worker was restarted meanwhile"
        by_freshness = {
            freshness: scrapes[-1][f'gateway_answers_total{{"freshness": "{freshness}"}}']
            for freshness in ("LIVE", "CACHED", "STALE", "UNCONFIRMED")
        }
        assert by_freshness == {**dict.fromkeys(by_freshness, 0), **answered}
    # The command removes the directory it made once the workers are gone.
    assert not directory.exists()


@pytest.mark.redis
def test_a_dead_workers_gauges_go_and_its_counts_stay(tmp_path: Path, redis_url: str) -> None:
    with serving(tmp_path, "--workers", "2", GATEWAY_CACHE_URL=redis_url) as gateway:
        old = gateway.workers()
        assert len(old) == 2, old
        sent = scan_round(gateway.url).total()
        graphql_ws = [Subprotocol(PROTOCOL)]
        with connect(ws_url(gateway.url), subprotocols=graphql_ws, open_timeout=30) as socket:
            socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(socket.recv(timeout=30))["type"] == "connection_ack"
            assert scrape(gateway.url)["gateway_websocket_connections{}"] == 1
            # Both workers die at once, the connection's one among them: uvicorn starts two
            # new ones, with nothing to tell the metrics.
            for pid in old:
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + DEADLINE
            while len(gateway.workers() - old) < 2:
                assert time.monotonic() < deadline, "uvicorn did not replace the workers"
                time.sleep(0.05)  # waiting for processes to start, with a deadline
        while True:
            try:
                series = scrape(gateway.url)
                break
            except httpx.TransportError:  # the new workers are still starting
                assert time.monotonic() < deadline, "the new workers did not serve"
                time.sleep(0.05)
        assert series["gateway_websocket_connections{}"] == 0  # the dead worker's is gone
        assert total(series, "graphql_requests_total") == sent  # its counts are not
        assert series["enovia_circuit_state{}"] == 0


def test_a_configured_directory_is_emptied_at_start(tmp_path: Path) -> None:
    # PROMETHEUS_MULTIPROC_DIR given: used as it is (with one worker too), and what an
    # earlier run left there must not add to this run's counts.
    directory = tmp_path / "metrics"
    for run, scans in enumerate((ROUND, 2 * ROUND)):
        with serving(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(directory)) as gateway:
            assert total(scrape(gateway.url), "graphql_requests_total") == 0, f"run {run}"
            sent = sum(scan_round(gateway.url).total() for _ in range(scans // ROUND))
            assert total(scrape(gateway.url), "graphql_requests_total") == sent
        assert list(directory.glob("*.db")), "the files are the operator's: left in place"
