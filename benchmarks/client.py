"""HTTP from the harness: GraphQL to the gateway, the simulator's admin API, and ENOVIA
itself (for the direct round trip the cold latency is compared to)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from benchmarks.processes import CLIENT_ID, CLIENT_SECRET

JSON = {"content-type": "application/json"}
# The three ENOVIA document endpoints; token and health calls are counted apart.
DOCUMENT_TEMPLATES = (
    "GET /api/v1/documents/{doc_uid}",
    "GET /api/v1/documents/{doc_uid}/revisions/{revision}",
    "GET /api/v1/documents/{doc_uid}/revisions/latest",
)
TOKEN_TEMPLATE = "POST /oauth2/token"


class GraphQLFailure(RuntimeError):
    """The gateway answered with errors where the benchmark expects none."""


def limits(connections: int) -> httpx.Limits:
    return httpx.Limits(max_connections=connections, max_keepalive_connections=connections)


async def post_graphql(client: httpx.AsyncClient, url: str, payload: bytes) -> dict[str, Any]:
    """POST a prepared body to `{url}/graphql`; the answer's JSON, GraphQLFailure on errors."""
    response = await client.post(f"{url}/graphql", content=payload, headers=JSON)
    data: dict[str, Any] = orjson.loads(response.content)
    if response.status_code != 200 or data.get("errors"):
        raise GraphQLFailure(f"HTTP {response.status_code}: {response.text[:500]}")
    return data


@dataclass(frozen=True)
class CallCounts:
    """ENOVIA calls between a reset and a reading of the simulator's stats."""

    documents: int
    revisions: int
    latest: int
    token: int
    health: int
    peak_concurrency: int

    @property
    def document_calls(self) -> int:
        """Calls to the three document endpoints: what the call-count targets are about."""
        return self.documents + self.revisions + self.latest

    def as_json(self) -> dict[str, int]:
        return {
            "document_calls": self.document_calls,
            "documents": self.documents,
            "revisions": self.revisions,
            "latest": self.latest,
            "token": self.token,
            "health": self.health,
            "peak_concurrency": self.peak_concurrency,
        }


class Simulator:
    """The simulator's admin API."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self.url = url

    async def reset(self) -> None:
        (await self._client.post(f"{self.url}/_sim/reset")).raise_for_status()

    async def set_latency(self, milliseconds: float) -> None:
        response = await self._client.post(
            f"{self.url}/_sim/faults", json={"latency_ms": milliseconds}
        )
        response.raise_for_status()

    async def counts(self) -> CallCounts:
        response = await self._client.get(f"{self.url}/_sim/stats")
        response.raise_for_status()
        stats = response.json()
        calls: dict[str, int] = stats["calls"]
        document, revision, latest = (calls.get(t, 0) for t in DOCUMENT_TEMPLATES)
        return CallCounts(
            documents=document,
            revisions=revision,
            latest=latest,
            token=calls.get(TOKEN_TEMPLATE, 0),
            health=calls.get("GET /api/v1/health", 0),
            peak_concurrency=int(stats.get("peak_concurrency", 0)),
        )


async def enovia_token(client: httpx.AsyncClient, url: str) -> str:
    """An access token from the simulator's OAuth2 endpoint (client credentials)."""
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "read",
    }
    response = await client.post(f"{url}/oauth2/token", data=form)
    response.raise_for_status()
    return str(response.json()["access_token"])


async def enovia_document(client: httpx.AsyncClient, url: str, uid: str, token: str) -> None:
    """One direct ENOVIA round trip: `GET /api/v1/documents/{uid}`, body read and parsed."""
    await _enovia_get(client, f"{url}/api/v1/documents/{uid}", token)


async def enovia_scan_calls(client: httpx.AsyncClient, url: str, uid: str, token: str) -> None:
    """The three calls a cold scan of `uid` makes, sent at once from here: the document, its
    latest released revision and its revision A, each body read and parsed."""
    base = f"{url}/api/v1/documents/{uid}"
    paths = (base, f"{base}/revisions/latest", f"{base}/revisions/A")
    await asyncio.gather(*(_enovia_get(client, path, token) for path in paths))


async def _enovia_get(client: httpx.AsyncClient, url: str, token: str) -> None:
    response = await client.get(url, headers={"authorization": f"Bearer {token}"})
    response.raise_for_status()
    orjson.loads(response.content)
