"""Running an ASGI app over real HTTP: `run_and_announce` for `enovia-gateway serve` (the
address said once it listens), `serve_in_thread` from a background thread (the demo's
simulator, tests): `with serve_in_thread(app) as base_url: ...`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0
# How long uvicorn lets in-flight requests finish on shutdown before cancelling them.
GRACEFUL_SHUTDOWN = 2


#: uvicorn's exit status for a server that could not start (its port taken, its app failing).
STARTUP_FAILURE = 3


def run_and_announce(config: uvicorn.Config, announce: Callable[[str], None]) -> int:
    """Serve as `uvicorn.run` does, one process or `config.workers`, and call `announce` with
    the base URL (`http://host:port`, the real port when `config.port` is 0) once the socket
    listens: never for a server that could not start. Returns the exit status.

    uvicorn logs "running on" before its workers start, and `uvicorn.run` gives no moment
    after it; a server whose start-up ends with the announcement is that moment.
    """
    if config.workers > 1:
        # The parent binds, then the workers accept on the socket it hands them: once it
        # listens, connections wait in its backlog for the first worker ready.
        sock = config.bind_socket()
        sock.listen(config.backlog)
        announce(_base_url(config, sock))
        Multiprocess(config, sockets=[sock]).run()
        return 0
    server = _AnnouncingServer(config, announce)
    with suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl+C ends the server quietly
        server.run()
    return 0 if server.started else STARTUP_FAILURE


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: Callable[[str], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._announce(_base_url(self.config, self.servers[0].sockets[0]))


def _base_url(config: uvicorn.Config, sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if sock.family == socket.AF_INET6 else host
    return f"{'https' if config.is_ssl else 'http'}://{shown}:{port}"


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", **options: Any) -> Iterator[str]:
    """Serve *app* with uvicorn in a daemon thread; yields the base URL (`http://host:port`).

    *options* are more keyword arguments of `uvicorn.Config`, and win over this function's own
    (e.g. `gateway.connections.uvicorn_options(settings)`, to serve as `enovia-gateway serve`).

    The port is picked by the OS: the socket is bound to port 0 here and handed to uvicorn,
    so no other process can take the port between choosing and binding it. On exit the
    server is asked to stop (requests still running get GRACEFUL_SHUTDOWN seconds, then are
    cancelled) and the thread is joined; RuntimeError if it does not start or stop in time.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        port = sock.getsockname()[1]
        defaults: dict[str, Any] = {
            "log_level": "warning",
            "lifespan": "auto",
            "access_log": False,
            "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN,
        }
        config = uvicorn.Config(app, **{**defaults, **options})
        server = uvicorn.Server(config)
        failures: list[BaseException] = []

        def run() -> None:
            # Caught here and re-raised in the test's thread: uvicorn ends a failed start-up
            # with SystemExit, which pytest would otherwise report as a thread exception.
            try:
                server.run(sockets=[sock])
            except BaseException as error:
                failures.append(error)

        thread = threading.Thread(target=run, name=f"uvicorn:{port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                cause = failures[0] if failures else None
                raise RuntimeError("the server thread ended before the server started") from cause
            if time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError(f"the server did not start within {STARTUP_TIMEOUT} s")
            time.sleep(0.005)
        try:
            url_host = f"[{host}]" if family == socket.AF_INET6 else host
            yield f"http://{url_host}:{port}"
        finally:
            server.should_exit = True
            thread.join(SHUTDOWN_TIMEOUT)
            if thread.is_alive():
                server.force_exit = True
                thread.join(1.0)
                raise RuntimeError(f"the server did not stop within {SHUTDOWN_TIMEOUT} s")
            if failures:
                raise RuntimeError("the server failed while serving") from failures[0]
    finally:
        # uvicorn closes it on a clean shutdown; closing twice is harmless.
        sock.close()
