"""A real gateway as a separate OS process, optionally with its wall clock shifted by libfaketime.

    with gateway_process({"ENOVIA_BASE_URL": ..., "GATEWAY_CACHE_URL": ...}) as gateway:
        httpx.post(f"{gateway.url}/graphql", json=...)

    clock = tmp_path / "clock"
    set_fake_time(clock, "+0")
    with gateway_process(env, faketime_file=clock) as gateway:
        set_fake_time(clock, "-10s")  # an NTP step: the process's wall clock jumps back

The child is `python -m uvicorn --factory gateway.app:create_app_from_environment --fd N`
on a socket this process bound to 127.0.0.1:0 and listens on, so the port cannot be taken
between choosing and serving it, and the first requests wait in the backlog rather than being
refused. Only the wall clock is faked (DONT_FAKE_MONOTONIC=1), as NTP skew or an NTP step
would: CLOCK_MONOTONIC never steps, so the event loop's timers are not disturbed.
"""

from __future__ import annotations

import glob
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

STARTUP_TIMEOUT = 30.0
#: uvicorn lets in-flight requests finish this long after SIGTERM.
GRACEFUL_SHUTDOWN = 5
#: SIGTERM, then this long to exit, then SIGKILL.
STOP_TIMEOUT = 15.0
#: Where distributions install libfaketime (Debian: /usr/lib/x86_64-linux-gnu/faketime/).
LIBFAKETIME_GLOBS = (
    "/usr/lib/*/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/lib64/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/*/faketime/libfaketime.so.1",
)
#: The parent's settings and fakes never leak into a child: it gets exactly the ones given.
_NOT_INHERITED = ("ENOVIA_", "GATEWAY_", "FAKETIME", "DONT_FAKE_")


class GatewayProcessError(RuntimeError):
    """The gateway process died or did not come up; the message holds its stderr."""


@dataclass
class GatewayProcess:
    """A running gateway process: `url` is `http://127.0.0.1:<port>`."""

    url: str
    process: subprocess.Popen[bytes]
    stderr_path: Path
    _final_output: str | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self) -> str:
        """Everything the process wrote (its logs) so far, for a failure message; after the
        `gateway_process` block, everything it wrote before it exited."""
        if self._final_output is not None:
            return self._final_output
        return self.stderr_path.read_text(errors="replace")

    def _keep_output(self) -> None:
        # Its temporary directory, log included, is about to go.
        self._final_output = self.stderr()


def libfaketime_path() -> Path | None:
    """The libfaketime preload library installed here, or None."""
    for pattern in LIBFAKETIME_GLOBS:
        for found in sorted(glob.glob(pattern)):
            return Path(found)
    return None


def require_libfaketime() -> Path:
    """libfaketime's path; skips the test when it is missing, but fails it under CI."""
    path = libfaketime_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("libfaketime is not installed; .ci/run installs it (apt-get faketime)")
        pytest.skip("libfaketime is not installed (apt-get install faketime)")
    return path


def set_fake_time(path: Path, spec: str) -> None:
    """Write a libfaketime spec (`"+0"`, `"-10s"`, ...) to the clock file *path* atomically.

    With FAKETIME_NO_CACHE=1 the child reads the file at every clock call; a rename means it
    never sees a half-written file.
    """
    partial = path.with_name(path.name + ".partial")
    partial.write_text(spec + "\n")
    os.replace(partial, path)


def faketime_env(
    *, faketime: str | None = None, faketime_file: Path | None = None
) -> dict[str, str]:
    """The environment that runs a process under libfaketime (empty without either argument).

    *faketime*: a fixed spec, e.g. `"-5s"`. *faketime_file*: a clock file the test rewrites
    with `set_fake_time` while the process runs. One or the other, not both. Only the wall
    clock is faked. Skips (or fails under CI) when libfaketime is not installed.
    """
    if faketime is not None and faketime_file is not None:
        raise ValueError("give faketime or faketime_file, not both")
    if faketime is None and faketime_file is None:
        return {}
    library = str(require_libfaketime())
    preload = os.environ.get("LD_PRELOAD")
    env = {
        "LD_PRELOAD": f"{library}:{preload}" if preload else library,
        "DONT_FAKE_MONOTONIC": "1",
    }
    if faketime is not None:
        env["FAKETIME"] = faketime
    else:
        assert faketime_file is not None
        if not faketime_file.exists():
            raise FileNotFoundError(f"{faketime_file}: write it with set_fake_time first")
        # Without NO_CACHE libfaketime would re-read the file only every 10 seconds.
        env["FAKETIME_TIMESTAMP_FILE"] = str(faketime_file)
        env["FAKETIME_NO_CACHE"] = "1"
    return env


def child_env(
    settings: Mapping[str, str], fakes: Mapping[str, str] | None = None
) -> dict[str, str]:
    """This process's environment (PATH, PYTHONPATH...) without ENOVIA_/GATEWAY_ settings and
    libfaketime variables, plus *settings* and *fakes* (see `faketime_env`)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}
    return {**inherited, **settings, **(fakes or {})}


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        # uvicorn adopts an --fd socket as if it were a Unix one and so never sets
        # TCP_NODELAY on its connections; on Linux they inherit it from the listener, which
        # keeps Nagle's algorithm from holding an answer's body behind its headers.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


@contextmanager
def gateway_process(
    env: Mapping[str, str],
    *,
    faketime: str | None = None,
    faketime_file: Path | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[GatewayProcess]:
    """Run a gateway process configured by *env* (its ENOVIA_*/GATEWAY_* settings) until exit.

    Yields once `/api/v1/health` answers 200; raises GatewayProcessError (with the child's
    output) when it dies or does not answer within *startup_timeout* seconds. The child's
    working directory is a fresh temporary one, so no `.env` is read; its stdout and stderr
    both go to `GatewayProcess.stderr()`. *faketime* / *faketime_file*: see `faketime_env`.
    On exit the child gets SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT
    seconds; its temporary directory is removed.
    """
    fakes = faketime_env(faketime=faketime, faketime_file=faketime_file)
    with tempfile.TemporaryDirectory(prefix="gateway-process-") as workdir:
        stderr_path = Path(workdir) / "stderr.log"
        with _listening_socket() as sock, stderr_path.open("wb") as stderr:
            port = sock.getsockname()[1]
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "gateway.app:create_app_from_environment",
                "--fd",
                str(sock.fileno()),
                "--no-access-log",
                "--log-level",
                "warning",
                "--timeout-graceful-shutdown",
                str(GRACEFUL_SHUTDOWN),
            ]
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=child_env(env, fakes),
                pass_fds=(sock.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
        # The child holds the socket now; without the parent's copy, connecting after the
        # child exits is refused instead of hanging in a backlog nobody serves.
        gateway = GatewayProcess(f"http://127.0.0.1:{port}", process, stderr_path)
        try:
            _wait_until_healthy(gateway, startup_timeout)
            yield gateway
        finally:
            stop_process(process)
            gateway._keep_output()


def _wait_until_healthy(gateway: GatewayProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if gateway.process.poll() is not None:
            raise GatewayProcessError(
                f"the gateway exited with {gateway.process.returncode} before it served:\n"
                + gateway.stderr()
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise GatewayProcessError(
                f"the gateway did not answer /api/v1/health within {timeout} s:\n"
                + gateway.stderr()
            )
        try:
            # The socket already listens: this waits in its backlog until the app is up.
            response = httpx.get(f"{gateway.url}/api/v1/health", timeout=min(1.0, remaining))
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # waiting for a process to start, not for a retry


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
