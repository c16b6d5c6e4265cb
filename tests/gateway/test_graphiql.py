"""GraphiQL from the gateway's own files: served, switchable, and working in headless Chromium
with every host but 127.0.0.1 unresolvable (a closed network)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import subprocess
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


class DevTools:
    """The few Chrome DevTools Protocol calls this test needs, over the page's websocket."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self.requested_urls: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                await self._socket.send(
                    json.dumps({"id": call_id, "method": method, "params": params})
                )
                while True:
                    message = json.loads(await self._socket.recv())
                    if message.get("method") == "Network.requestWillBeSent":
                        self.requested_urls.append(message["params"]["request"]["url"])
                    if message.get("id") == call_id:
                        assert "error" not in message, message
                        return message.get("result", {})  # type: ignore[no-any-return]
        except TimeoutError:
            raise AssertionError(
                f"Chromium did not answer {method} within {CALL_TIMEOUT} s"
            ) from None

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    value = await self.evaluate(expression)
                    if value:
                        return value
                    await asyncio.sleep(0.1)  # polling a browser, not retrying a failure
        except TimeoutError:
            raise AssertionError(f"still false after {timeout} s: {expression}") from None


async def test_graphiql_runs_a_query_in_headless_chromium_offline(gateway: Gateway, tmp_path: Path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    need(chromium is not None, "Chromium is not installed: apt-get install chromium")
    need(assets_built(), "GraphiQL's files are not built: make graphiql")
    assert chromium is not None
    profile = tmp_path / "profile"
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
            await devtools.wait_for("!!document.querySelector('.graphiql-execute-button')")
            await devtools.evaluate("document.querySelector('.graphiql-execute-button').click()")
            result = await devtools.wait_for(
                "(() => { const pane = document.querySelector('.result-window');"
                " return pane && pane.innerText.includes('SUPERSEDED') ? pane.innerText : ''; })()"
            )
        assert '"isActual": false' in result
        assert '"reason": "SUPERSEDED"' in result
        assert devtools.requested_urls, "the page made no requests"
        # Fonts and icons are inlined in GraphiQL's CSS as data: URLs.
        local = (gateway.url, "data:")
        outside = [url for url in devtools.requested_urls if not url.startswith(local)]
        assert not outside
    finally:
        browser.terminate()
        browser.wait(timeout=10)
