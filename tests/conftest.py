"""Fixtures shared by the whole suite: a real redis-server, an address where nothing answers,
and starting a server that binds a port of its own choosing."""

from __future__ import annotations

import io
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import redis
import structlog
from redis.backoff import NoBackoff
from redis.retry import Retry

from gateway.logs import configure_logging


@contextmanager
def unreachable_address() -> Iterator[str]:
    """`127.0.0.1:PORT` where nothing answers while the block runs: a socket bound to it that
    does not listen, so a connection is refused at once, and no other process can take the
    port meanwhile (unlike a port found free and then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def unreachable() -> Iterator[str]:
    """`127.0.0.1:PORT` refusing connections for the test's duration (`unreachable_address`)."""
    with unreachable_address() as address:
        yield address


class PortTaken(RuntimeError):
    """A server could not bind the port it was given: another process holds it."""


#: How many ports `start_on_a_free_port` tries before it gives up.
PORT_ATTEMPTS = 5

T = TypeVar("T")


def start_on_a_free_port(start: Callable[[int], T]) -> T:
    """`start(port)` for a server that binds a port of its own choosing (redis-server,
    `enovia-gateway serve`), which cannot be handed a bound socket.

    The port was free a moment ago, but is not reserved: another process may bind it before
    the server does. `start` raises `PortTaken` when the server reports the address in use;
    then another port is tried, PORT_ATTEMPTS in all. So a collision costs a retry, never a
    server listening where the test does not look.
    """
    taken: list[str] = []
    for _ in range(PORT_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        try:
            return start(port)
        except PortTaken as error:
            taken.append(str(error))
    raise RuntimeError(f"{PORT_ATTEMPTS} ports in a row were taken:\n" + "\n".join(taken))


#: A Redis timeout for tests about something other than timeouts (sharing, locks, bursts):
#: a loaded machine must not turn a slow Redis call into a miss and fail them. A Redis slower
#: than the timeout has its own test.
PATIENT_REDIS_TIMEOUT = 5.0
#: How long redis-server may take to answer once started, and to exit once asked to.
REDIS_STARTUP_TIMEOUT = 10.0
REDIS_STOP_TIMEOUT = 10.0


@dataclass
class RedisServer:
    """A redis-server this test session started; `stop`/`start` simulate an outage (it comes
    back on the same port, so the URLs the tests hold find it again)."""

    binary: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (again) on its port; fails the test if the port was taken meanwhile."""
        try:
            self.launch()
        except PortTaken as error:
            pytest.fail(
                f"{error}: another process took the port while redis-server was stopped to "
                "simulate an outage, so it cannot come back where the tests expect it",
                pytrace=False,
            )

    def launch(self) -> None:
        """Start redis-server and return once it answers; `PortTaken` if its port is in use,
        RuntimeError (with its log) if it fails otherwise or does not answer in time."""
        with self.log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--protected-mode",
                    "no",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.process = process
        # One try per probe: redis-py's default retries with backoff would make one take seconds.
        client = redis.Redis(
            host="127.0.0.1",
            port=self.port,
            socket_connect_timeout=0.2,
            socket_timeout=1.0,
            retry=Retry(NoBackoff(), 0),
        )
        deadline = time.monotonic() + REDIS_STARTUP_TIMEOUT
        try:
            while True:
                if process.poll() is not None:
                    self.process = None
                    output = self.log_path.read_text(errors="replace")
                    if "address already in use" in output.lower():
                        raise PortTaken(f"redis-server could not bind 127.0.0.1:{self.port}")
                    raise RuntimeError(f"redis-server exited with {process.returncode}:\n{output}")
                try:
                    # Ours, not another Redis that holds the port (ours will exit, above).
                    if client.info("server")["process_id"] == process.pid:
                        return
                except redis.RedisError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"redis-server did not answer within {REDIS_STARTUP_TIMEOUT} s:\n"
                        + self.log_path.read_text(errors="replace")
                    )
                time.sleep(0.01)  # waiting for a process to start, not for a retry
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None:
            process, self.process = self.process, None
            process.terminate()
            try:
                process.wait(timeout=REDIS_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=REDIS_STOP_TIMEOUT)

    def flush(self) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10.0)
        try:
            client.flushall()
        finally:
            client.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; .ci/run installs it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    log_path = tmp_path_factory.mktemp("redis") / "redis-server.log"

    def launched(port: int) -> RedisServer:
        server = RedisServer(binary, port, log_path)
        server.launch()
        return server

    server = start_on_a_free_port(launched)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A running, empty Redis."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The process's logging set-up (structlog's and the root logger's) as it was before the
    test, whatever the test configures."""
    saved_config = structlog.get_config()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    yield
    structlog.configure(**saved_config)
    root.handlers, root.level = saved_handlers, saved_level


@pytest.fixture
def json_logs(restored_logging: None) -> io.StringIO:
    """The process's real logging set-up (structlog and the standard library's records, httpx
    included) as JSON at DEBUG, into a buffer; the set-up is restored after."""
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream=stream)
    return stream


@pytest.fixture
def console_logs(restored_logging: None) -> io.StringIO:
    """The real set-up as readable lines at DEBUG into a buffer (no terminal, so no colour
    of structlog's own); restored after."""
    stream = io.StringIO()
    configure_logging("DEBUG", "console", stream=stream)
    return stream
