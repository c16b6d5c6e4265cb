"""Hostile connections (gateway/connections.py): idle, slow, half-sent and oversized requests are
closed within bounded time, connections beyond the limit are answered 503, and a normal scan
still answers. A real gateway over real HTTP, served with the options `enovia-gateway serve`
uses; raw sockets play the hostile clients."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway import cli
from gateway.app import create_app
from gateway.connections import (
    LINGERING_REFUSALS,
    ConnectionLimits,
    GatewayWebSocketProtocol,
    GuardedHttpProtocol,
    uvicorn_options,
)
from gateway.serving import serve_in_thread
from gateway.settings import load_settings
from tests.gateway.conftest import Simulator, no_sleep, settings_for

#: Every timeout of these tests, in seconds.
LIMIT = 0.5
#: A connection must be closed within this many seconds of opening (or of its last byte).
BOUND = 10 * LIMIT
SCAN = {"query": '{ document(uid: "DOC-001") { uid } }'}
TIMEOUTS = {
    "gateway_header_timeout": LIMIT,
    "gateway_body_timeout": LIMIT,
    "gateway_keep_alive_timeout": LIMIT,
}


@contextmanager
def gateway(sim: Simulator, **overrides: Any) -> Iterator[tuple[str, int]]:
    """A gateway with short timeouts, served as `enovia-gateway serve` serves it; yields its
    URL and port."""
    settings = settings_for(sim.base_url, **{**TIMEOUTS, **overrides})
    app = create_app(settings, sleep=no_sleep)
    with serve_in_thread(app, **uvicorn_options(settings)) as url:
        yield url, urlsplit(url).port or 0


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=BOUND)


def read_to_end(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection (end of file, or a reset
    after what was sent); fails if it is still open at `deadline`."""
    received = b""
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"still open at the deadline; received {received[:200]!r}"
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return received
        except TimeoutError:
            continue  # the assertion above ends the loop
        if not data:
            return received
        received += data


def refusal(raw: bytes, status: int) -> dict[str, Any]:
    """The JSON error of a raw HTTP answer with this status, which closes the connection."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} "), raw[:300]
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    document = json.loads(body)
    assert set(document) == {"errors"}
    [error] = document["errors"]
    return {"headers": headers, **error}


def test_idle_and_slow_connections_are_closed_while_a_scan_answers(sim: Simulator) -> None:
    head = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n\r\n"
    with gateway(sim) as (url, port):
        opened = time.monotonic()
        idle = [connect(port) for _ in range(50)]
        slow = []
        for _ in range(50):
            slow.append(connect(port))
            slow[-1].sendall(head[:1])  # at once: the gateway has heard something of these
        stop = threading.Event()

        def trickle() -> None:
            # One more byte of the head every 0.1 s on each: it would take 7 s to finish.
            for end in range(2, len(head)):
                if stop.wait(0.1):
                    return
                for sock in slow:
                    with suppress(OSError):  # closed by the gateway: what the test waits for
                        sock.send(head[end - 1 : end])

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        try:
            response = httpx.post(f"{url}/graphql", json=SCAN, timeout=BOUND)
            assert response.status_code == 200
            assert response.json() == {"data": {"document": {"uid": "DOC-001"}}}
            deadline = opened + BOUND
            for sock in idle:
                assert read_to_end(sock, deadline) == b""  # nothing heard: closed, no answer
            for sock in slow:
                error = refusal(read_to_end(sock, deadline), 408)
                assert error["message"] == "the request's headers did not arrive within 0.5 s"
                assert error["extensions"] == {"code": "BAD_USER_INPUT"}
        finally:
            stop.set()
            sender.join(BOUND)
            for sock in idle + slow:
                sock.close()
        # The gateway serves on, and its connections are no longer counted.
        assert httpx.post(f"{url}/graphql", json=SCAN, timeout=BOUND).status_code == 200


def test_a_body_that_stops_coming_is_answered_408(
    sim: Simulator, capfd: pytest.CaptureFixture[str]
) -> None:
    with gateway(sim) as (url, port), connect(port) as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"query":"'
        )
        error = refusal(read_to_end(sock, time.monotonic() + BOUND), 408)
        assert error["message"] == "the request's body did not arrive within 0.5 s"
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
        assert httpx.post(f"{url}/graphql", json=SCAN, timeout=BOUND).status_code == 200
    # The app waiting for that body is told the client left: no traceback to fill the logs.
    logged = capfd.readouterr()
    assert "Exception in ASGI application" not in logged.out + logged.err


@pytest.mark.parametrize(
    ("then", "answer"),
    [
        pytest.param(b"", b"", id="idle after the answer: closed"),
        pytest.param(b"GET /api/v1/he", b"HTTP/1.1 408 ", id="a next head that stops: 408"),
        pytest.param(b"\r\n", b"HTTP/1.1 408 ", id="a blank line that stops: 408"),
    ],
)
def test_a_kept_alive_connection_is_closed_when_idle_or_stalled(
    sim: Simulator, then: bytes, answer: bytes
) -> None:
    with gateway(sim) as (_, port), connect(port) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: gateway\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            data = sock.recv(65536)  # the socket's timeout bounds the wait
            assert data, received
            received += data
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        assert b"connection: close" not in head.lower()  # kept alive
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        while len(body) < length:
            data = sock.recv(65536)
            assert data, body
            body += data
        sock.sendall(then)
        rest = read_to_end(sock, time.monotonic() + BOUND)
        assert rest.startswith(answer) if answer else rest == b""


def test_a_head_larger_than_the_limit_is_answered_431(sim: Simulator) -> None:
    limit = 2048
    with gateway(sim, gateway_max_header_bytes=limit) as (url, port):
        message = f"the request's headers are larger than {limit} bytes"
        # A head that never ends, refused before it is whole.
        with connect(port) as sock:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nX-Padding: " + b"a" * 4 * limit)
            error = refusal(read_to_end(sock, time.monotonic() + BOUND), 431)
            assert error["message"] == message
        # A whole head, larger than the limit, in one read.
        padding = {"X-Padding": "a" * (limit + 1)}
        response = httpx.post(f"{url}/graphql", json=SCAN, headers=padding, timeout=BOUND)
        assert response.status_code == 431
        assert response.json()["errors"][0]["message"] == message
        # One within the limit is served.
        padding = {"X-Padding": "a" * (limit // 2)}
        response = httpx.post(f"{url}/graphql", json=SCAN, headers=padding, timeout=BOUND)
        assert response.status_code == 200


def test_connections_beyond_the_limit_are_answered_503(sim: Simulator) -> None:
    limit = 5
    # Long enough for the idle connections to hold every place while the test runs.
    with gateway(sim, gateway_max_connections=limit, gateway_header_timeout=30) as (url, port):
        with ExitStack() as held:
            for _ in range(limit):
                held.enter_context(connect(port))  # accepted first: the backlog is a queue
            response = httpx.post(f"{url}/graphql", json=SCAN, timeout=BOUND)
            assert response.status_code == 503
            assert response.headers["retry-after"] == "1"
            assert response.json() == {
                "errors": [
                    {
                        "message": "the gateway holds its most connections at once (5): "
                        "try again in 1 s",
                        "extensions": {"code": "RATE_LIMITED"},
                    }
                ]
            }
            # More than linger: the first ones half-close and wait for the client, the next
            # are closed at once; every one has its answer.
            refused = [connect(port) for _ in range(LINGERING_REFUSALS + 10)]
            for sock in refused:
                sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: gateway\r\n\r\n")
            deadline = time.monotonic() + BOUND
            for sock in refused:
                with sock:
                    assert refusal(read_to_end(sock, deadline), 503)["headers"]["retry-after"]
        # The held connections are closed: once the gateway has seen it, it serves again.
        deadline = time.monotonic() + BOUND
        while httpx.post(f"{url}/graphql", json=SCAN, timeout=BOUND).status_code != 200:
            assert time.monotonic() < deadline, "still refusing"
            time.sleep(0.02)  # waiting for the gateway to see the closed connections


def test_requests_of_clients_that_left_count_against_the_limit() -> None:
    started = threading.Semaphore(0)
    release = threading.Event()

    async def hold(request: Request) -> PlainTextResponse:
        started.release()
        while not release.is_set():  # deaf to the client going away, as a long query is
            await asyncio.sleep(0.01)
        return PlainTextResponse("done")

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/hold", hold), Route("/", hello)])
    settings = load_settings(gateway_max_connections=2, _env_file=None)
    with serve_in_thread(app, **uvicorn_options(settings)) as url:
        port = urlsplit(url).port or 0
        try:
            for _ in range(2):
                with connect(port) as sock:
                    sock.sendall(b"GET /hold HTTP/1.1\r\nHost: gateway\r\n\r\n")
                    assert started.acquire(timeout=BOUND)
            # Two requests still run, on no connection: a third is refused.
            deadline = time.monotonic() + BOUND
            while True:
                response = httpx.get(url, timeout=BOUND)
                assert response.status_code == 503
                message = response.json()["errors"][0]["message"]
                if "requests" in message:
                    break
                assert time.monotonic() < deadline, message
                time.sleep(0.02)  # the gateway has not yet seen the two connections close
            assert message == "the gateway runs its most requests at once (2): try again in 1 s"
            assert response.headers["retry-after"] == "1"
        finally:
            release.set()
        deadline = time.monotonic() + BOUND
        while httpx.get(url, timeout=BOUND).status_code != 200:
            assert time.monotonic() < deadline, "still refusing"
            time.sleep(0.02)  # waiting for the two held requests to end


def test_the_settings_make_the_uvicorn_options() -> None:
    settings = load_settings(
        gateway_header_timeout=3,
        gateway_body_timeout=7,
        gateway_keep_alive_timeout=2,
        gateway_max_connections=123,
        gateway_max_header_bytes=4096,
        _env_file=None,
    )
    options = uvicorn_options(settings)
    limits = ConnectionLimits(
        header_timeout=3,
        body_timeout=7,
        keep_alive_timeout=2,
        max_connections=123,
        max_header_bytes=4096,
    )
    assert set(options) == {"http", "ws", "timeout_keep_alive"}
    assert options["timeout_keep_alive"] == 2
    assert options["ws"] is GatewayWebSocketProtocol
    assert pickle.loads(pickle.dumps(options["ws"])) is GatewayWebSocketProtocol
    protocol = options["http"]
    assert isinstance(protocol, partial)
    assert protocol.func is GuardedHttpProtocol
    assert protocol.keywords == {"limits": limits}
    # uvicorn pickles its Config to start the processes of --workers.
    again = pickle.loads(pickle.dumps(protocol))
    assert (again.func, again.keywords) == (GuardedHttpProtocol, {"limits": limits})


def test_serve_runs_uvicorn_with_those_options(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `serve` takes no socket of ours (only a port), so it is not started for real here: the
    # test is that it hands uvicorn the options the other tests serve with.
    import uvicorn

    from gateway import serving

    configs: list[uvicorn.Config] = []
    monkeypatch.setattr(
        serving, "run_and_announce", lambda config, announce: configs.append(config) or 0
    )
    monkeypatch.setattr("gateway.logs.configure_logging", lambda *args, **kwargs: None)
    monkeypatch.chdir(tmp_path)  # no .env
    for name in list(os.environ):
        if name.startswith(("ENOVIA_", "GATEWAY_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ENOVIA_BASE_URL", "http://enovia.invalid")
    monkeypatch.setenv("ENOVIA_CLIENT_ID", "id")
    monkeypatch.setenv("ENOVIA_CLIENT_SECRET", "secret")
    monkeypatch.setenv("GATEWAY_HEADER_TIMEOUT", "4")
    monkeypatch.setenv("GATEWAY_MAX_CONNECTIONS", "77")

    assert cli.main(["serve", "--port", "9"]) == 0

    [config] = configs
    expected = uvicorn_options(load_settings())
    assert isinstance(config.http, partial)
    assert config.http.keywords == expected["http"].keywords
    assert config.http.keywords["limits"].header_timeout == 4
    assert config.http.keywords["limits"].max_connections == 77
    assert config.timeout_keep_alive == expected["timeout_keep_alive"]
    assert config.ws is GatewayWebSocketProtocol
    assert config.limit_concurrency is None
    assert config.port == 9
