"""Hostile connections against a gateway process: how many stay open, and whether a normal
scan still answers. Run by hand, not in CI:

    .venv/bin/python -m benchmarks.connections [--plain] [--seconds 40] [--nofile 1024]

`--plain` serves with plain uvicorn options (`http="auto"`, as before the connection guard);
without it, with `gateway.connections.uvicorn_options` (what `enovia-gateway serve` runs).
The gateway's settings are the defaults unless GATEWAY_* variables are given to this script.
Three scenarios, one after the other, on one gateway process:

- slow: 50 idle connections (never a byte) and 50 that send one byte of a request head every
  `--interval` seconds; how many are still open each few seconds, what they were answered,
  and whether a GraphQL scan answers meanwhile;
- flood: `--flood` idle connections at once with the gateway's `ulimit -n` at `--nofile`, then
  scans: answered, refused (503) or failed (closed without an answer, or no answer in 5 s);
- big head: 10 connections each send a request head that never ends, as fast as they can:
  how much each could send before being cut, and the gateway's memory.

The simulator and the gateway run on 127.0.0.1 on free ports and are stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import selectors
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.processes import (
    HOST,
    ManagedProcess,
    free_port,
    gateway_environment,
    rss_kib,
    spawn,
    start_simulator,
    wait_until,
)

SCAN = {"query": '{ document(uid: "DOC-001") { uid } }'}
HEAD = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n\r\n"


def serve(port: int, plain: bool, nofile: int | None) -> None:
    """In the child: the gateway as `enovia-gateway serve` runs it, or with plain options."""
    import uvicorn

    from gateway.connections import uvicorn_options
    from gateway.settings import load_settings

    if nofile is not None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))
    options = {"http": "auto"} if plain else uvicorn_options(load_settings())
    uvicorn.run(
        "gateway.app:create_app_from_environment",
        factory=True,
        host=HOST,
        port=port,
        access_log=False,
        log_config=None,
        **options,
    )


def scan(url: str) -> str:
    """One GraphQL scan on a new connection: its status, or how it failed."""
    try:
        response = httpx.post(f"{url}/graphql", json=SCAN, timeout=5.0)
    except httpx.TimeoutException:
        return "no answer in 5 s"
    except httpx.TransportError as error:
        return f"failed: {type(error).__name__}"
    return str(response.status_code)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.setblocking(False)
    return sock


def slow_scenario(url: str, port: int, seconds: float, interval: float) -> None:
    print(f"\n== slow: 50 idle + 50 sending one head byte every {interval:g} s, for {seconds:g} s")
    selector = selectors.DefaultSelector()
    opened = time.monotonic()
    for kind in ("idle", "slow"):
        for _ in range(50):
            selector.register(connect(port), selectors.EVENT_READ, {"kind": kind, "sent": 0})
    closed_at: dict[str, list[float]] = {"idle": [], "slow": []}
    answers: Counter[str] = Counter()
    next_byte = opened
    next_report = opened
    scanned = False
    while time.monotonic() - opened < seconds and selector.get_map():
        now = time.monotonic()
        if now >= next_report:
            still = Counter(key.data["kind"] for key in selector.get_map().values())
            print(
                f"  t={now - opened:5.1f} s  open: idle {still['idle']:3d}, slow {still['slow']:3d}"
            )
            next_report += max(1.0, seconds / 10)
        if not scanned and now - opened >= 1.0:
            print(f"  a scan meanwhile: {scan(url)}")
            scanned = True
        if now >= next_byte:
            for key in list(selector.get_map().values()):
                if key.data["kind"] == "slow" and key.data["sent"] < len(HEAD):
                    with contextlib.suppress(OSError):
                        key.fileobj.send(HEAD[key.data["sent"] : key.data["sent"] + 1])  # type: ignore[union-attr]
                    key.data["sent"] += 1
            next_byte += interval
        for key, _ in selector.select(timeout=0.05):
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if data:
                answers[data.split(b"\r\n", 1)[0].decode(errors="replace")] += 1
                continue
            closed_at[key.data["kind"]].append(time.monotonic() - opened)
            selector.unregister(sock)
            sock.close()
    still = Counter(key.data["kind"] for key in selector.get_map().values())
    elapsed = time.monotonic() - opened
    print(f"  after {elapsed:.1f} s: open idle {still['idle']}, slow {still['slow']}")
    for kind, times in closed_at.items():
        if times:
            print(
                f"  {kind}: {len(times)} closed by the gateway, the last after {max(times):.1f} s"
            )
    print(f"  answers read: {dict(answers) or 'none'}")
    for key in list(selector.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    selector.close()


def flood_scenario(url: str, port: int, count: int, nofile: int | None) -> None:
    print(f"\n== flood: {count} idle connections (gateway's ulimit -n: {nofile or 'inherited'})")
    sockets: list[socket.socket] = []
    refused = 0
    for _ in range(count):
        try:
            sockets.append(connect(port))
        except OSError:
            refused += 1
    print(f"  opened {len(sockets)}, connect() failed {refused}")
    time.sleep(1.0)
    results = Counter(scan(url) for _ in range(10))
    print(f"  10 scans 1 s later: {dict(results)}")
    time.sleep(11.0)
    results = Counter(scan(url) for _ in range(10))
    print(f"  10 scans 12 s later: {dict(results)}")
    ends = Counter(ending(sock) for sock in sockets)
    print(f"  the {len(sockets)} idle connections by then: {dict(ends)}")


def ending(sock: socket.socket) -> str:
    """How an idle client's connection ended (it is closed here): what the gateway sent."""
    received = b""
    try:
        while data := sock.recv(65536):
            received += data
        end = "closed"
    except BlockingIOError:
        end = "open"
    except OSError:
        end = "reset"
    finally:
        sock.close()
    status = received.split(b"\r\n", 1)[0].decode(errors="replace")
    return f"{status}, {end}" if status else end


def big_head_scenario(port: int, gateway: ManagedProcess) -> None:
    print("\n== big head: 10 connections each sending a head that never ends (up to 8 MiB)")
    before = rss_kib(gateway.pid)
    chunk = b"X-Padding: " + b"a" * 65536
    sent: list[int] = []
    sockets: list[socket.socket] = []
    for _ in range(10):
        sock = socket.create_connection((HOST, port), timeout=5)
        sockets.append(sock)
        total = 0
        with contextlib.suppress(OSError):
            sock.sendall(b"GET /graphql HTTP/1.1\r\nHost: gateway\r\n")
            while total < 8 * 1024 * 1024:
                sock.sendall(chunk)
                total += len(chunk)
        sent.append(total)
    time.sleep(0.5)
    during = rss_kib(gateway.pid)
    answers: Counter[str] = Counter()
    for sock in sockets:
        try:
            answers[sock.recv(65536).split(b"\r\n", 1)[0].decode(errors="replace")] += 1
        except OSError as error:
            answers[type(error).__name__] += 1
        sock.close()
    print(f"  bytes each could send before being cut: {sorted(sent)}")
    print(f"  answers: {dict(answers)}")
    print(f"  gateway RSS: {before} KiB before, {during} KiB with the 10 open")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plain", action="store_true", help="plain uvicorn options (before)")
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--flood", type=int, default=1100)
    parser.add_argument("--nofile", type=int, default=1024)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.plain, args.nofile)
        return
    settings = {k: v for k, v in os.environ.items() if k.startswith("GATEWAY_")}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        log_dir = workdir / "logs"
        simulator, simulator_url = start_simulator(0.0, log_dir, workdir)
        port = free_port()
        argv = [sys.executable, "-m", "benchmarks.connections", "--serve", str(port)]
        argv += ["--nofile", str(args.nofile)] + (["--plain"] if args.plain else [])
        env = gateway_environment(simulator_url, settings)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
        gateway = spawn("gateway", argv, log_dir=log_dir, env=env, cwd=workdir)
        url = f"http://{HOST}:{port}"
        try:
            wait_until(
                gateway, lambda: httpx.get(f"{url}/api/v1/health").status_code == 200, "health"
            )
            print(f"gateway: {'plain uvicorn options' if args.plain else 'guarded'}, {url}")
            slow_scenario(url, port, args.seconds, args.interval)
            flood_scenario(url, port, args.flood, args.nofile)
            big_head_scenario(port, gateway)
            print(f"\n  a scan at the end: {scan(url)}; gateway alive: {gateway.running()}")
        finally:
            gateway.stop()
            simulator.stop()


if __name__ == "__main__":
    main()
