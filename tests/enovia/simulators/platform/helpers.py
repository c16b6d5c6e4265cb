"""Shared helpers for the platform simulator tests: the login flows and a few shortcuts."""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

import httpx

from enovia.simulators.platform import DEFAULT_CONTEXT, PlatformState, quote_name
from tests.clocks import FakeClock

# One TLS context for every test client: building one per client costs ~20 ms (the tests
# speak plain HTTP, but httpx builds it anyway).
TLS: Final = ssl.create_default_context()

USER = "pteqr"
PASSWORD = "demo-password"
BATCH_HEADERS = {"DS-Service-Name": "pte-qr-gateway", "DS-Service-Secret": "demo-batch-secret"}
AGENT_ID = "pte-qr-agent"
AGENT_SECRET = "demo-agent-secret"

SPACE = "/3dspace"
PERSON_PATH = f"{SPACE}/resources/modeler/pno/person"
CSRF_PATH = f"{SPACE}/resources/v1/application/CSRF"
DOCUMENTS_PATH = f"{SPACE}/resources/v1/modeler/documents"
SEARCH_PATH = f"{DOCUMENTS_PATH}/search"
IDS_PATH = f"{DOCUMENTS_PATH}/ids"
GRAPH_PATH = f"{SPACE}/resources/v1/modeler/dslc/version/getGraph"
CONTEXT_HEADERS = {"SecurityContext": DEFAULT_CONTEXT}


def seg(value: str) -> str:
    """One identifier as exactly one percent-encoded path segment."""
    return quote(value, safe="")


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


@dataclass
class Platform:
    """One simulator under test: its base URL, fake clock, state and an admin client."""

    url: str
    clock: FakeClock
    state: PlatformState
    _clients: list[httpx.Client] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.admin = self.client()

    def client(self, **options: Any) -> httpx.Client:
        """A new client (own cookie jar); redirects are not followed unless asked."""
        client = httpx.Client(base_url=self.url, timeout=5, verify=TLS, **options)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    # Admin ---------------------------------------------------------------------------------

    def faults(self, **faults: Any) -> dict[str, Any]:
        response = self.admin.post("/_sim/faults", json=faults)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = self.admin.get("/_sim/stats").raise_for_status().json()
        return data

    def calls(self, template: str) -> int:
        return int(self.stats()["calls"][template])

    def document(self, name: str, **query: str) -> dict[str, Any]:
        response = self.admin.get(f"/_sim/documents/{seg(name)}", params=query)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def ids_of(self, name: str, **query: str) -> dict[str, str]:
        """Revision label → object id of the family *name*."""
        return {r["revision"]: r["id"] for r in self.document(name, **query)["revisions"]}

    # Logins ---------------------------------------------------------------------------------

    def service_url(self, path: str = PERSON_PATH, query: str = "current=true") -> str:
        return f"{self.url}{path}?{query}" if query else f"{self.url}{path}"

    def batch_ticket(self, client: httpx.Client, **headers: str) -> httpx.Response:
        return client.get(
            "/3dpassport/api/v2/batch/ticket",
            params={"identifier": USER, "service": self.service_url()},
            headers={**BATCH_HEADERS, **headers},
        )

    def batch_login(self, client: httpx.Client | None = None) -> httpx.Client:
        """The batch-service flow, JSON shape (the default config), on *client* (new one by
        default): batch ticket, transient login, then the CAS redirect chain."""
        client = client or self.client()
        ticket = self.batch_ticket(client).raise_for_status().json()["access_token"]
        transient = client.get(
            "/3dpassport/api/login/cas/transient",
            params={"tgt": ticket, "service": self.service_url()},
        )
        assert transient.status_code == 200, transient.text
        response = client.get(
            "/3dpassport/login", params={"service": self.service_url()}, follow_redirects=True
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == USER
        return client

    def session(self) -> httpx.Client:
        """A logged-in client with SecurityContext and CSRF headers set."""
        client = self.batch_login()
        client.headers.update(CONTEXT_HEADERS)
        token = client.get(CSRF_PATH).raise_for_status().json()["csrf"]["value"]
        client.headers["ENO_CSRF_TOKEN"] = token
        return client

    def agent(self, **params: str) -> httpx.Client:
        """An agent client (Basic auth), SecurityContext and CSRF set; *params* on each call."""
        client = self.client(params=params)
        client.headers.update({"Authorization": basic(AGENT_ID, AGENT_SECRET), **CONTEXT_HEADERS})
        token = client.get(CSRF_PATH).raise_for_status().json()["csrf"]["value"]
        client.headers["ENO_CSRF_TOKEN"] = token
        return client


def search(client: httpx.Client, name: str, **params: Any) -> httpx.Response:
    """`documents/search` for *name*, quoted as the client must."""
    return client.get(SEARCH_PATH, params={"searchStr": quote_name(name), **params})


def hit_names(response: httpx.Response) -> list[tuple[str, str, str]]:
    """(name, type, revision) of each hit of a search answer."""
    assert response.status_code == 200, response.text
    return [
        (d["dataelements"]["name"], d["type"], d["dataelements"]["revision"])
        for d in response.json()["data"]
    ]


def graph(client: httpx.Client, *ids: str) -> httpx.Response:
    return client.post(GRAPH_PATH, json={"data": [{"id": oid} for oid in ids]})


def by_ids(client: httpx.Client, *ids: str) -> httpx.Response:
    return client.post(IDS_PATH, json=",".join(ids))
