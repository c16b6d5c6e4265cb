"""Shared helpers for the simulator tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

CLIENT_ID = "pte-qr-client"
CLIENT_SECRET = "demo-secret"
TOKEN_FORM = {
    "grant_type": "client_credentials",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "scope": "read",
}


def seg(value: str) -> str:
    """One identifier as exactly one percent-encoded path segment."""
    return quote(value, safe="")


def doc_url(uid: str, *rest: str) -> str:
    """`/api/v1/documents/{uid}[/revisions/{revision}]` with each part encoded."""
    return "/api/v1/documents/" + "/".join(seg(part) for part in (uid, *rest))


async def get_token(client: httpx.AsyncClient) -> str:
    response = await client.post("/oauth2/token", data=TOKEN_FORM)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def set_faults(client: httpx.AsyncClient, **faults: Any) -> dict[str, Any]:
    response = await client.post("/_sim/faults", json=faults)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def stats(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/_sim/stats")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data
