"""GraphiQL from the gateway's own files: served, switchable, and working in headless Chromium
with every host but 127.0.0.1 unresolvable (a closed network)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from gateway.graphiql import ASSET_FILES, assets_built, graphiql_page
from tests.gateway.conftest import Gateway, StartGateway

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def need(condition: bool, why: str) -> None:
    """Skip locally when a tool is missing; in CI (which installs it) that is a failure."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


def test_a_browser_gets_graphiql_from_local_files(gateway: Gateway):
    need(assets_built(), "GraphiQL's files are not built: make graphiql")
    page = httpx.get(f"{gateway.url}/graphql", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200
    assert "graphql/assets/graphiql.min.js" in page.text
    assert "https://" not in page.text  # nothing from a CDN
    for name in ASSET_FILES:
        asset = httpx.get(f"{gateway.url}/graphql/assets/{name}")
        assert asset.status_code == 200, name
        assert len(asset.content) > 1000


def test_graphiql_can_be_switched_off(start_gateway: StartGateway):
    gateway = start_gateway(gateway_graphiql=False)
    page = httpx.get(f"{gateway.url}/graphql", headers={"Accept": BROWSER_ACCEPT})
    assert "GraphiQL" not in page.text
    assert page.status_code in {400, 404, 405, 415}


def test_without_built_files_the_page_says_how_to_build_them(tmp_path: Path):
    page = graphiql_page("http://127.0.0.1:8000/graphql", directory=tmp_path)
    body = page.body.decode()
    assert "make graphiql" in body
    assert "curl -s http://127.0.0.1:8000/graphql" in body


#: The longest Chromium may take to answer one DevTools Protocol call.
CALL_TIMEOUT = 30.0
#: The longest the page may take to show what a test waits for.
PAGE_TIMEOUT = 60.0


class DevTools:
    """The few Chrome DevTools Protocol calls these tests need, over the page's websocket, and
    the network events that come meanwhile: the URLs the page requested, the WebSockets it
    opened (and closed) and the frames it received on them."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self.requested_urls: list[str] = []
        self.websocket_urls: dict[str, str] = {}  # by DevTools request id
        self.closed_websockets: set[str] = set()
        self.received_frames: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                await self._socket.send(
                    json.dumps({"id": call_id, "method": method, "params": params})
                )
                while True:
                    message = json.loads(await self._socket.recv())
                    self._note(message.get("method"), message.get("params", {}))
                    if message.get("id") == call_id:
                        assert "error" not in message, message
                        return message.get("result", {})  # type: ignore[no-any-return]
        except TimeoutError:
            raise AssertionError(
                f"Chromium did not answer {method} within {CALL_TIMEOUT} s"
            ) from None

    def _note(self, event: str | None, params: dict[str, Any]) -> None:
        if event == "Network.requestWillBeSent":
            self.requested_urls.append(params["request"]["url"])
        elif event == "Network.webSocketCreated":
            self.websocket_urls[params["requestId"]] = params["url"]
        elif event == "Network.webSocketClosed":
            self.closed_websockets.add(params["requestId"])
        elif event == "Network.webSocketFrameReceived":
            self.received_frames.append(params["response"]["payloadData"])

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(
        self,
        expression: str,
        until: Callable[[Any], object] = bool,
        timeout: float = PAGE_TIMEOUT,
    ) -> Any:
        """The value of `expression` in the page once `until` holds of it."""
        last: list[Any] = [None]

        async def probe() -> object:
            last[0] = await self.evaluate(expression)
            return until(last[0])

        try:
            await self._poll(probe, expression, timeout)
        except AssertionError as failure:
            raise AssertionError(f"{failure}; its last value: {last[0]!r}") from None
        return last[0]

    async def wait_until(
        self, condition: Callable[[], bool], what: str, timeout: float = PAGE_TIMEOUT
    ) -> None:
        """Until `condition()` holds of the events seen (each round asks the page something,
        which reads the events that came before its answer)."""

        async def check() -> bool:
            await self.evaluate("0")
            return condition()

        await self._poll(check, what, timeout)

    async def _poll(
        self, probe: Callable[[], Awaitable[object]], what: str, timeout: float
    ) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not await probe():
                    await asyncio.sleep(0.1)  # polling a browser, not retrying a failure
        except TimeoutError:
            raise AssertionError(f"still false after {timeout} s: {what}") from None

    def assert_offline(self, gateway: Gateway) -> None:
        """The page asked nothing of any host but the gateway."""
        assert self.requested_urls, "the page made no requests"
        # Fonts and icons are inlined in GraphiQL's CSS as data: URLs.
        local = (gateway.url, "data:")
        outside = [url for url in self.requested_urls if not url.startswith(local)]
        assert not outside
        websocket = gateway.url.replace("http://", "ws://", 1)
        assert all(url.startswith(websocket) for url in self.websocket_urls.values())


#: GraphiQL's query editor (CodeMirror 5, which keeps its instance on its element as
#: `.CodeMirror`) and its run button (a stop button while a subscription runs).
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RUN_BUTTON = ".graphiql-execute-button"
#: The result pane's text.
RESULT_PANE = "document.querySelector('.result-window')?.innerText ?? ''"


@asynccontextmanager
async def graphiql_in_chromium(gateway: Gateway, profile: Path) -> AsyncIterator[DevTools]:
    """Headless Chromium, with every host but 127.0.0.1 unresolvable, on `gateway`'s GraphiQL
    page once its editor and run button are there."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    need(chromium is not None, "Chromium is not installed: apt-get install chromium")
    need(assets_built(), "GraphiQL's files are not built: make graphiql")
    assert chromium is not None
    browser = subprocess.Popen(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        try:
            async with asyncio.timeout(30):
                while not port_file.is_file() or not port_file.read_text().strip():
                    await asyncio.sleep(0.05)  # waiting for the browser to start
        except TimeoutError:
            raise AssertionError("Chromium did not write DevToolsActivePort within 30 s") from None
        port = int(port_file.read_text().split()[0])
        async with httpx.AsyncClient() as http:
            targets = (await http.get(f"http://127.0.0.1:{port}/json/list")).json()
        page = next(target for target in targets if target["type"] == "page")
        async with websockets.connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
            devtools = DevTools(socket)
            await devtools.call("Network.enable")
            await devtools.call("Page.enable")
            await devtools.call("Page.navigate", url=f"{gateway.url}/graphql")
            await devtools.wait_for(f"!!document.querySelector({QUERY_EDITOR!r})")
            await devtools.wait_for(f"!!document.querySelector({RUN_BUTTON!r})")
            yield devtools
    finally:
        browser.terminate()
        browser.wait(timeout=10)


async def test_graphiql_runs_a_query_in_headless_chromium_offline(gateway: Gateway, tmp_path: Path):
    async with graphiql_in_chromium(gateway, tmp_path / "profile") as devtools:
        await devtools.evaluate(f"document.querySelector({RUN_BUTTON!r}).click()")
        result = await devtools.wait_for(RESULT_PANE, until=lambda text: "SUPERSEDED" in text)
    assert '"isActual": false' in result
    assert '"reason": "SUPERSEDED"' in result
    devtools.assert_offline(gateway)


SUBSCRIPTION = (
    'subscription { actualityChanged(uid: "DOC-001", revision: "B") { isActual reason } }'
)


async def test_graphiql_runs_a_subscription_in_headless_chromium_offline(
    gateway: Gateway, tmp_path: Path
):
    async with graphiql_in_chromium(gateway, tmp_path / "profile") as devtools:
        # Into the editor as typing would put it; GraphiQL parses the text 100 ms after a change
        # and runs what it parsed (a subscription goes to the WebSocket fetcher).
        editor = f"document.querySelector({QUERY_EDITOR!r}).CodeMirror"
        await devtools.evaluate(f"{editor}.setValue({json.dumps(SUBSCRIPTION)})")
        await devtools.wait_for(
            f"(() => {{ const ast = {editor}.documentAST;"
            " return !!ast && ast.definitions.some(d => d.operation === 'subscription'); })()"
        )
        await devtools.evaluate(f"document.querySelector({RUN_BUTTON!r}).click()")
        result = await devtools.wait_for(RESULT_PANE, until=lambda text: "CURRENT" in text)
        # Over a WebSocket to the gateway (graphql-transport-ws), not over HTTP.
        await devtools.wait_until(
            lambda: any('"next"' in f and "CURRENT" in f for f in devtools.received_frames),
            "the first event in a frame on the page's WebSocket",
        )
        assert list(devtools.websocket_urls.values()) == [
            f"{gateway.url.replace('http://', 'ws://', 1)}/graphql"
        ]
        # The run button stops the subscription now; the client then closes its socket.
        await devtools.evaluate(f"document.querySelector({RUN_BUTTON!r}).click()")
        await devtools.wait_until(
            lambda: set(devtools.websocket_urls) <= devtools.closed_websockets,
            "the page's WebSocket closed once the subscription was stopped",
        )
    assert '"isActual": true' in result
    assert '"reason": "CURRENT"' in result
    devtools.assert_offline(gateway)
