"""OAuth2 client credentials: token reuse, expiry, single flight, 401, invalid_client, rotation."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from enovia import Secret, UpstreamAuthFailed, UpstreamUnavailable
from schema.errors import ErrorCode, upstream_code
from tests.enovia.conftest import DOCUMENT_JSON, SECRET, HarnessFactory


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


async def test_token_request_is_the_seeds_form_body(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    await h.client.get_document("D")
    token_call = h.router.routes[0].calls.last.request
    assert token_call.url == "https://enovia.test/plm/oauth2/token"
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(token_call) == {
        "grant_type": "client_credentials",
        "client_id": "pte-qr-client",
        "client_secret": SECRET,
        "scope": "read",
    }


async def test_client_secret_basic(make_harness: HarnessFactory):
    h = make_harness(method="client_secret_basic")
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    await h.client.get_document("D")
    token_call = h.router.routes[0].calls.last.request
    expected = base64.b64encode(f"pte-qr-client:{SECRET}".encode()).decode()
    assert token_call.headers["Authorization"] == f"Basic {expected}"
    assert "client_secret" not in form(token_call)


async def test_token_is_reused_until_shortly_before_expiry(make_harness: HarnessFactory):
    h = make_harness(expires_in=3600, max_token_age=4000)
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    await h.client.get_document("D")
    h.clock.now += 3600 - 61  # still more than the seed's 60 s margin left
    await h.client.get_document("D")
    assert len(h.tokens_issued) == 1
    h.clock.now += 2  # inside the margin: refresh
    await h.client.get_document("D")
    assert len(h.tokens_issued) == 2


async def test_short_lived_tokens_are_not_refreshed_on_every_call(make_harness: HarnessFactory):
    h = make_harness(expires_in=2)
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    for _ in range(5):
        await h.client.get_document("D")
        h.clock.now += 0.3  # 1.5 s in all: within the token's 2 s minus a 0.2 s margin
    assert len(h.tokens_issued) == 1
    h.clock.now += 0.4  # 1.9 s: past 1.8
    await h.client.get_document("D")
    assert len(h.tokens_issued) == 2


async def test_token_cache_ttl_caps_reuse(make_harness: HarnessFactory):
    h = make_harness(expires_in=3600, max_token_age=100)
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    await h.client.get_document("D")
    h.clock.now += 101
    await h.client.get_document("D")
    assert len(h.tokens_issued) == 2


async def test_one_refresh_for_a_hundred_concurrent_callers(make_harness: HarnessFactory):
    h = make_harness(with_token_route=False)
    release = asyncio.Event()
    issued = 0

    async def slow_token(request: httpx.Request) -> httpx.Response:
        nonlocal issued
        issued += 1
        await release.wait()
        return httpx.Response(200, json={"access_token": f"tok-{issued}", "expires_in": 3600})

    h.router.post("/oauth2/token").mock(side_effect=slow_token)
    api = h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    calls = [asyncio.create_task(h.client.get_document("D")) for _ in range(100)]
    for _ in range(5):
        await asyncio.sleep(0)  # let every caller reach the lock
    release.set()
    await asyncio.gather(*calls)
    assert issued == 1
    assert api.call_count == 100
    assert {call.request.headers["Authorization"] for call in api.calls} == {"Bearer tok-1"}


async def test_a_revoked_token_refreshes_once_and_retries_once(make_harness: HarnessFactory):
    h = make_harness()
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        if len(seen) == 1:
            return httpx.Response(401)
        return httpx.Response(200, json=DOCUMENT_JSON)

    h.router.get("/api/v1/documents/D").mock(side_effect=answer)
    assert (await h.client.get_document("D")).id == "DOC-1"
    assert len(h.tokens_issued) == 2
    assert seen == [f"Bearer {h.tokens_issued[0]}", f"Bearer {h.tokens_issued[1]}"]


async def test_concurrent_401s_share_one_refresh(make_harness: HarnessFactory):
    h = make_harness()
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    await h.client.get_document("D")  # token 1
    revoked = f"Bearer {h.tokens_issued[0]}"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == revoked:
            return httpx.Response(401)
        return httpx.Response(200, json=DOCUMENT_JSON)

    h.router.get("/api/v1/documents/D").mock(side_effect=answer)
    await asyncio.gather(*(h.client.get_document("D") for _ in range(20)))
    assert len(h.tokens_issued) == 2


async def test_invalid_client_is_upstream_auth_failed(make_harness: HarnessFactory):
    h = make_harness(with_token_route=False)
    h.router.post("/oauth2/token").respond(401, json={"error": "invalid_client"})
    api = h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    with pytest.raises(UpstreamAuthFailed, match="invalid_client") as caught:
        await h.client.get_document("D")
    assert SECRET not in caught.value.message
    assert api.call_count == 0
    assert h.sleeps == []  # refused credentials are not retried
    assert 'enovia_token_refreshes_total{status="failure"} 1.0' in h.metrics.exposition().decode()


async def test_token_endpoint_down_is_unavailable_and_retried(make_harness: HarnessFactory):
    h = make_harness(with_token_route=False, attempts=2)
    token = h.router.post("/oauth2/token").respond(503)
    with pytest.raises(UpstreamUnavailable):
        await h.client.get_document("D")
    assert token.call_count == 2


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer"},
        {"access_token": "", "expires_in": 10},
        {"access_token": "t", "expires_in": "soon"},
        {"access_token": "t", "expires_in": -5},
    ],
)
async def test_malformed_token_answers(make_harness: HarnessFactory, body: dict[str, object]):
    h = make_harness(with_token_route=False)
    h.router.post("/oauth2/token").respond(200, json=body)
    with pytest.raises(Exception, match="token answer") as caught:
        await h.client.get_document("D")
    assert upstream_code(caught.value) is ErrorCode.UPSTREAM_BAD_RESPONSE


async def test_rotated_secret_file_is_read_again_when_refused(
    make_harness: HarnessFactory, tmp_path: Path
):
    secret_file = tmp_path / "client_secret"
    secret_file.write_text("old-secret\n")
    h = make_harness(with_token_route=False, secret=Secret(file=secret_file, rotation=True))

    def token(request: httpx.Request) -> httpx.Response:
        if form(request)["client_secret"] == "new-secret":
            return httpx.Response(200, json={"access_token": "tok-new", "expires_in": 3600})
        return httpx.Response(401, json={"error": "invalid_client"})

    route = h.router.post("/oauth2/token").mock(side_effect=token)
    h.router.get("/api/v1/documents/D").respond(json=DOCUMENT_JSON)
    secret_file.write_text("new-secret\n")  # the platform rotated it
    assert (await h.client.get_document("D")).id == "DOC-1"
    assert [form(call.request)["client_secret"] for call in route.calls] == [
        "old-secret",
        "new-secret",
    ]


async def test_without_rotation_the_file_is_not_read_again(
    make_harness: HarnessFactory, tmp_path: Path
):
    secret_file = tmp_path / "client_secret"
    secret_file.write_text("old-secret")
    h = make_harness(with_token_route=False, secret=Secret(file=secret_file, rotation=False))
    route = h.router.post("/oauth2/token").respond(401, json={"error": "invalid_client"})
    secret_file.write_text("new-secret")
    with pytest.raises(UpstreamAuthFailed):
        await h.client.get_document("D")
    assert route.call_count == 1


def test_secrets_and_tokens_do_not_show_in_repr(tmp_path: Path):
    secret = Secret(SECRET)
    assert SECRET not in repr(secret)
    assert SECRET not in str(secret)
