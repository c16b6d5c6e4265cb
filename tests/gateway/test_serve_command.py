"""`enovia-gateway serve --demo` as a real process: it serves, and it stops gracefully."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PortTaken, start_on_a_free_port
from tests.gateway.conftest import ADMIN_KEY, invalidate

QUERY = {"query": '{ document(uid: "DOC-001") { title latestRevision { revision } } }'}
#: How long the demo may take to answer once started.
STARTUP_TIMEOUT = 30.0


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without its ENOVIA_/GATEWAY_/TDX_ settings, plus *settings*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENOVIA_", "GATEWAY_", "TDX_"))}
    return {**env, **settings}


@dataclass
class Demo:
    process: subprocess.Popen[str]
    url: str
    simulator: str
    #: Its stderr, line by line, as `reader` collects it.
    lines: list[str]
    reader: threading.Thread

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        # The whole process group: with --workers, uvicorn's workers are its children, and
        # they would outlive a parent killed alone (holding its stderr open).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


def spawn_demo(tmp_path: Path, args: tuple[str, ...], env: dict[str, str]) -> Demo:
    """`enovia-gateway serve --demo *args` started, its stderr collected line by line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--demo", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, which `Demo.stop` ends
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True)
    reader.start()
    return Demo(process, "", "", lines, reader)


def start_demo(tmp_path: Path, port: int, args: tuple[str, ...], env: dict[str, str]) -> Demo:
    """`enovia-gateway serve --demo --port <port>` once it answers on the port; `PortTaken`
    when it exits because another process holds the port."""
    demo = spawn_demo(tmp_path, ("--port", str(port), *args), env)
    demo.url = f"http://127.0.0.1:{port}"
    process, lines = demo.process, demo.lines
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                demo.reader.join(timeout=10)  # all of its output
                if "address already in use" in demo.output().lower():
                    raise PortTaken(f"the demo could not bind 127.0.0.1:{port}")
                pytest.fail(f"the demo exited with {process.returncode}:\n{demo.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the demo did not answer within {STARTUP_TIMEOUT} s:\n{demo.output()}")
            try:
                if httpx.get(f"{demo.url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # waiting for a process to start, with a deadline, not a retry
        banner = next(line for line in lines if line.startswith("Demo:"))
        simulator = re.search(r"simulator at (http://\S+?)/?$", banner.strip())
        assert simulator is not None, banner
        demo.simulator = simulator.group(1)
        return demo
    except BaseException:
        demo.stop()
        raise


@contextmanager
def serve_demo(
    tmp_path: Path, *args: str, **settings: str
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """The demo in a child process (with *settings* in its environment); yields it, its URL
    and the simulator's URL, and kills it after.

    The command binds the port it is given itself: should another process take that port
    first, the demo exits and is started again on another (`start_on_a_free_port`)."""
    env = clean_env(**settings)
    demo = start_on_a_free_port(lambda port: start_demo(tmp_path, port, args, env))
    try:
        yield demo.process, demo.url, demo.simulator
    finally:
        demo.stop()


def stopped_cleanly(process: subprocess.Popen[str]) -> bool:
    """uvicorn finishes in-flight requests, then re-raises the SIGTERM it caught, so that the
    exit status tells how the process ended."""
    return process.wait(timeout=30) in {0, -signal.SIGTERM}


def test_demo_serves_and_finishes_in_flight_requests_on_sigterm(tmp_path: Path):
    with serve_demo(tmp_path) as (process, url, simulator):
        first = httpx.post(f"{url}/graphql", json=QUERY)
        assert first.json()["data"]["document"]["latestRevision"] == {"revision": "B"}
        httpx.post(f"{simulator}/_sim/faults", json={"latency_ms": 1500}).raise_for_status()
        answers: list[httpx.Response] = []
        slow = threading.Thread(
            target=lambda: answers.append(
                httpx.post(
                    f"{url}/graphql",
                    json={"query": '{ actuality(uid: "DOC-002", revision: "A") { reason } }'},
                    timeout=30,
                )
            )
        )
        slow.start()
        deadline = time.monotonic() + 10
        while httpx.get(f"{simulator}/_sim/stats").json()["in_flight"] == 0:
            assert time.monotonic() < deadline, "the slow query never reached ENOVIA"
            time.sleep(0.02)  # waiting for the query to reach ENOVIA, with a deadline
        process.send_signal(signal.SIGTERM)
        slow.join(timeout=30)
        assert answers, "the in-flight request was dropped"
        assert answers[0].status_code == 200
        assert answers[0].json() == {"data": {"actuality": {"reason": "CURRENT"}}}
        assert stopped_cleanly(process)


@pytest.mark.redis
def test_demo_with_two_workers(tmp_path: Path, redis_url: str) -> None:
    # Several workers need a shared cache (an in-process one is refused, see below).
    settings = {"GATEWAY_CACHE_URL": redis_url, "GATEWAY_ADMIN_API_KEYS": ADMIN_KEY}
    demo = serve_demo(tmp_path, "--workers", "2", **settings)
    with demo as (process, url, simulator):
        for _ in range(20):  # each worker serves some, and caches DOC-001's latest revision
            response = httpx.post(f"{url}/graphql", json=QUERY)
            assert response.json()["data"]["document"]["latestRevision"] == {"revision": "B"}
        # ENOVIA releases C, and says so to the gateway: every worker must see it at once.
        httpx.post(
            f"{simulator}/_sim/documents/DOC-001/revisions",
            json={"revision": "C", "maturityState": "Released", "supersede_previous": True},
        ).raise_for_status()
        invalidated = invalidate(url, {"uids": ["DOC-001"]})
        assert invalidated.status_code == 200, invalidated.text
        latest = [
            httpx.post(f"{url}/graphql", json=QUERY).json()["data"]["document"]["latestRevision"]
            for _ in range(40)
        ]
        assert latest == [{"revision": "C"}] * 40
        process.send_signal(signal.SIGTERM)
        assert stopped_cleanly(process)


def test_two_workers_with_the_in_process_cache_are_refused(
    tmp_path: Path, unreachable: str
) -> None:
    # ENOVIA is never called: the refusal comes before anything is served. Nor is the port
    # bound: it is one held here, so a command that went on to serve would fail to bind it
    # (exit 3), never serve on a port another test may be using.
    env = clean_env(
        ENOVIA_BASE_URL=f"http://{unreachable}",
        ENOVIA_CLIENT_ID="client",
        ENOVIA_CLIENT_SECRET="secret",
    )
    port = unreachable.rpartition(":")[2]
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--workers", "2", "--port", port],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "enovia-gateway: --workers 2 needs a shared cache: set "
        "GATEWAY_CACHE_URL=redis://host:6379/0 (an in-process cache cannot be invalidated in "
        "every worker), or run one worker"
    ]


def test_serve_without_enovia_settings_says_what_is_missing(
    tmp_path: Path, unreachable: str
) -> None:
    port = unreachable.rpartition(":")[2]  # held here: the command refuses before binding it
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--port", port],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "enovia-gateway: ENOVIA_BASE_URL is not set (or run with --demo)"
    )


def test_demo_on_the_3dexperience_simulator(tmp_path: Path) -> None:
    """`ENOVIA_API=3dexperience enovia-gateway serve --demo`: a newcomer's first command for
    the platform needs no platform either; the gateway logs in to the simulated 3DPassport."""
    with serve_demo(tmp_path, ENOVIA_API="3dexperience") as (process, url, simulator):
        assert simulator.endswith("/3dspace")
        scan = {"query": '{ actuality(uid: "DOC-001", revision: "A") { reason } }'}
        answer = httpx.post(f"{url}/graphql", json=scan, timeout=30).json()
        assert answer == {"data": {"actuality": {"reason": "SUPERSEDED"}}}
        revisions = {"query": '{ document(uid: "TDX-101") { revisions { revision } } }'}
        listed = httpx.post(f"{url}/graphql", json=revisions, timeout=30).json()
        assert listed["data"]["document"]["revisions"] == [
            {"revision": "A"},
            {"revision": "B"},
            {"revision": "C"},
        ]
        root = simulator.removesuffix("/3dspace")
        stats = httpx.get(f"{root}/_sim/stats", timeout=10).json()
        assert stats["logins"] == 1
        process.send_signal(signal.SIGTERM)
        assert stopped_cleanly(process)


def announced(process: subprocess.Popen[str], lines: list[str], deadline: float) -> str | None:
    """The base URL of the `Demo:` line, once the process has printed it; None when it exits
    without (its output is all in `lines` then)."""
    while time.monotonic() < deadline:
        banner = next((line for line in lines if line.startswith("Demo:")), None)
        if banner is not None:
            found = re.search(r"GraphiQL at (http://\S+)/graphql,", banner)
            assert found is not None, banner
            return found.group(1)
        if process.poll() is not None:
            return None
        time.sleep(0.02)  # waiting for a process's output, with a deadline
    pytest.fail(f"the demo said nothing within {STARTUP_TIMEOUT} s:\n{''.join(lines)}")


@pytest.mark.parametrize("workers", [1, 2])
def test_the_demo_says_its_address_once_it_answers_there(
    tmp_path: Path, workers: int, redis_url: str
) -> None:
    # Port 0: the OS picks a free one, which only the announcement can tell.
    args = ["--port", "0", "--workers", str(workers)]
    env = clean_env(**({"GATEWAY_CACHE_URL": redis_url} if workers > 1 else {}))
    demo = spawn_demo(tmp_path, tuple(args), env)
    process, lines = demo.process, demo.lines
    try:
        url = announced(process, lines, time.monotonic() + STARTUP_TIMEOUT)
        assert url is not None, demo.output()
        assert re.fullmatch(r"http://127\.0\.0\.1:[1-9]\d*", url), url
        # Connected at once: the address was said only once something listened there.
        page = httpx.get(f"{url}/graphql", headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200
        assert sum(line.startswith("Demo:") for line in lines) == 1
        process.send_signal(signal.SIGTERM)  # the workers end with it, and their stderr
        assert stopped_cleanly(process)
    finally:
        demo.stop()


def test_a_taken_port_is_never_announced(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "gateway", "serve", "--demo", "--port", str(port)],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=STARTUP_TIMEOUT,
            check=False,
        )
    assert result.returncode != 0
    assert "address already in use" in result.stderr.lower(), result.stderr
    assert "Demo:" not in result.stderr
