"""The factory's own app over real HTTP (uvicorn in a thread), as a demo or benchmark runs it."""

from __future__ import annotations

import httpx

from enovia.simulators.platform import DOC_BRANCHED, create_platform_simulator_app, quote_name
from gateway.serving import serve_in_thread
from tests.enovia.simulators.platform.helpers import BATCH_HEADERS, CONTEXT_HEADERS, USER


def test_a_batch_login_and_a_search_on_a_free_port() -> None:
    with (
        serve_in_thread(create_platform_simulator_app()) as url,
        httpx.Client(base_url=url, timeout=5) as client,
    ):
        assert client.get("/").json()["admin"] == "/_sim/"
        service = f"{url}/3dspace/resources/modeler/pno/person?current=true"
        ticket = client.get(
            "/3dpassport/api/v2/batch/ticket",
            params={"identifier": USER, "service": service},
            headers=BATCH_HEADERS,
        ).json()["access_token"]
        client.get("/3dpassport/api/login/cas/transient", params={"tgt": ticket})
        first = client.get("/3dpassport/login", params={"service": service})
        # Redirects point back at the port the server is on.
        assert first.headers["location"].startswith(f"{url}/3dspace/")
        landed = client.get(first.headers["location"], follow_redirects=True)
        assert landed.json()["name"] == USER
        found = client.get(
            "/3dspace/resources/v1/modeler/documents/search",
            params={"searchStr": quote_name(DOC_BRANCHED)},
            headers=CONTEXT_HEADERS,
        )
        assert found.json()["items"] == 3


def test_two_simulators_are_independent() -> None:
    first, second = create_platform_simulator_app(), create_platform_simulator_app()
    with serve_in_thread(first) as one, serve_in_thread(second) as two:
        with httpx.Client(base_url=one) as client:
            client.delete("/_sim/documents/DOC-001")
            assert client.get("/_sim/documents/DOC-001").json()["deleted"] is True
        with httpx.Client(base_url=two) as client:
            assert client.get("/_sim/documents/DOC-001").json()["deleted"] is False
