"""The processes a run starts (simulator, gateway, floor app, Redis) and stops again.

Every process gets its own session (so Ctrl+C reaches the harness, which then stops them in
order) and, on Linux, dies with the harness even if the harness is killed outright.
Each one's output goes to a log file under `benchmarks/results/logs/`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
# A gateway under pyinstrument writes its profile after it stops: that can take a while.
PROFILED_STOP_TIMEOUT = 180.0

GATEWAY_FACTORY = "gateway.app:create_app_from_environment"
PROFILED_FACTORY = "benchmarks.profiled_gateway:create_app"

CLIENT_ID = "bench"
CLIENT_SECRET = "bench-secret"

# Inherited settings must not change what is measured: the harness sets its own.
_SETTING_PREFIXES = ("ENOVIA_", "GATEWAY_")


class ProcessError(RuntimeError):
    """A process did not start, or ended while it was needed."""


def free_port() -> int:
    """A TCP port on HOST that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the harness dies (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)


@dataclass
class ManagedProcess:
    """A started process; `stop()` ends it (SIGINT, then SIGTERM, then SIGKILL)."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    stop_timeout: float = STOP_TIMEOUT
    on_stopped: list[Callable[[], None]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def check_running(self) -> None:
        if not self.running():
            raise ProcessError(
                f"{self.name} ended (exit {self.popen.returncode}); last lines of "
                f"{self.log_path}:\n{tail(self.log_path)}"
            )

    def stop(self) -> None:
        if self.running():
            for sig, timeout in (
                (signal.SIGINT, self.stop_timeout),
                (signal.SIGTERM, 5.0),
                (signal.SIGKILL, 5.0),
            ):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, sig)
                try:
                    self.popen.wait(timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for callback in self.on_stopped:
            callback()


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stop_timeout: float = STOP_TIMEOUT,
) -> ManagedProcess:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    return ManagedProcess(name, popen, log_path, stop_timeout)


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without ENOVIA_*/GATEWAY_* settings, plus *extra*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_until(process: ManagedProcess, ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        process.check_running()
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.05)
    process.stop()
    raise ProcessError(f"{process.name} did not become ready ({what}) in {STARTUP_TIMEOUT} s")


def _http_ok(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        return httpx.get(url, timeout=1.0).status_code == 200

    return ready


def uvicorn_argv(app: str, port: int, *, factory: bool = False) -> list[str]:
    """uvicorn with the settings every measured server shares: one worker, uvloop, httptools."""
    argv = ["-m", "uvicorn", app, "--host", HOST, "--port", str(port)]
    argv += ["--loop", "uvloop", "--http", "httptools", "--workers", "1"]
    argv += ["--no-access-log", "--log-level", "warning"]
    if factory:
        argv.append("--factory")
    return argv


def start_simulator(latency_ms: float, log_dir: Path, workdir: Path) -> tuple[ManagedProcess, str]:
    port = free_port()
    argv = [sys.executable, "-m", "gateway", "simulator", "--host", HOST, "--port", str(port)]
    argv += ["--latency-ms", str(latency_ms)]
    argv += ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    process = spawn("simulator", argv, log_dir=log_dir, env=clean_environment({}), cwd=workdir)
    url = f"http://{HOST}:{port}"
    wait_until(process, _http_ok(f"{url}/_sim/stats"), "GET /_sim/stats")
    return process, url


def gateway_environment(simulator_url: str, settings: Mapping[str, str]) -> dict[str, str]:
    base = {
        "ENOVIA_BASE_URL": simulator_url,
        "ENOVIA_CLIENT_ID": CLIENT_ID,
        "ENOVIA_CLIENT_SECRET": CLIENT_SECRET,
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    return clean_environment({**base, **settings})


def start_gateway(
    name: str,
    simulator_url: str,
    settings: Mapping[str, str],
    *,
    log_dir: Path,
    workdir: Path,
    profile_to: Path | None = None,
) -> tuple[ManagedProcess, str]:
    """The gateway as one uvicorn worker; under pyinstrument when *profile_to* is given
    (a `.pyisession` file, written when the gateway stops: `benchmarks/profiled_gateway.py`)."""
    port = free_port()
    env = gateway_environment(simulator_url, settings)
    if profile_to is None:
        argv = [sys.executable, *uvicorn_argv(GATEWAY_FACTORY, port, factory=True)]
    else:
        argv = [sys.executable, *uvicorn_argv(PROFILED_FACTORY, port, factory=True)]
        argv += ["--app-dir", str(ROOT)]
        env["BENCH_PROFILE_TO"] = str(profile_to)
    # The work directory is an empty one: a developer's `.env` must not change the settings.
    stop_timeout = PROFILED_STOP_TIMEOUT if profile_to is not None else STOP_TIMEOUT
    process = spawn(name, argv, log_dir=log_dir, env=env, cwd=workdir, stop_timeout=stop_timeout)
    url = f"http://{HOST}:{port}"
    wait_until(process, _http_ok(f"{url}/api/v1/health"), "GET /api/v1/health")
    return process, url


def start_floor(body_file: Path, log_dir: Path) -> tuple[ManagedProcess, str]:
    """The bare Starlette endpoint (`benchmarks/floor_app.py`) answering *body_file*'s bytes."""
    port = free_port()
    argv = [sys.executable, *uvicorn_argv("benchmarks.floor_app:app", port)]
    argv += ["--app-dir", str(ROOT)]
    env = clean_environment({"BENCH_FLOOR_BODY_FILE": str(body_file)})
    process = spawn("floor", argv, log_dir=log_dir, env=env, cwd=ROOT)
    url = f"http://{HOST}:{port}"
    wait_until(process, _http_ok(f"{url}/health"), "GET /health")
    return process, url


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


def start_redis(log_dir: Path, workdir: Path) -> tuple[ManagedProcess, int]:
    """A throwaway redis-server on a free port: no persistence, loopback only."""
    import redis

    binary = redis_server_path()
    if binary is None:
        raise ProcessError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
    process = spawn("redis", argv, log_dir=log_dir, cwd=workdir)

    def ready() -> bool:
        client = redis.Redis(host=HOST, port=port, socket_timeout=1.0)
        try:
            return bool(client.ping())
        finally:
            client.close()

    wait_until(process, ready, "PING")
    return process, port


def rss_kib(pid: int) -> int | None:
    """VmRSS of *pid* in KiB, None when it cannot be read (the process ended)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
