"""`GET /`: a page that points a newcomer at the API, the health paths and the docs."""

from __future__ import annotations

import re

import httpx

from tests.gateway.conftest import Gateway, Simulator, StartGateway


def test_a_browser_gets_a_page_whose_links_all_answer(gateway: Gateway, sim: Simulator):
    response = httpx.get(f"{gateway.url}/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = re.findall(r'href="([^"]+)"', response.text)
    assert links == [
        "graphql",
        "api/v1/health",
        "api/v1/ready",
        "api/v1/health/detailed",
        "metrics",
    ]
    for link in links:  # relative to the page, followed as a browser would
        followed = httpx.get(f"{gateway.url}/{link}", headers={"Accept": "text/html"})
        assert followed.status_code == 200, link
    assert "docs/api.md" in response.text
    assert sim.stats()["calls"].get("GET /api/v1/health") == 1  # only the detailed check asked


def test_a_program_gets_the_same_as_json(gateway: Gateway, sim: Simulator):
    body = httpx.get(f"{gateway.url}/", headers={"Accept": "application/json"}).json()
    assert body["service"] == "enovia-gateway"
    assert set(body["paths"]) == {
        "/graphql",
        "/api/v1/health",
        "/api/v1/ready",
        "/api/v1/health/detailed",
        "/metrics",
    }
    assert sim.stats()["total"] == 0


def test_the_page_needs_no_credentials(start_gateway: StartGateway):
    gateway = start_gateway(gateway_auth_mode="api-key", gateway_api_keys="k" * 32)
    assert httpx.get(f"{gateway.url}/").status_code == 200
    assert (
        httpx.post(f"{gateway.url}/graphql", json={"query": "{ health { version } }"}).status_code
        == 401
    )
