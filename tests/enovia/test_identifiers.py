"""Identifiers go out as exactly one percent-encoded path segment, or not at all."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enovia import MAX_IDENTIFIER_LENGTH, InvalidIdentifier, path_segment
from schema.errors import ErrorCode, upstream_code
from tests.enovia.conftest import DOCUMENT_JSON, REVISION_JSON, HarnessFactory

HOSTILE = ["DOC/012", "a?b=c", "x#frag", "100%", "DOC 011", "ЧЕРТЕЖ-013", "..a", "a/../b", "~"]


@pytest.mark.parametrize("uid", HOSTILE)
async def test_hostile_but_valid_identifiers_are_one_segment(
    make_harness: HarnessFactory, uid: str
):
    h = make_harness()
    route = h.router.route(method="GET").respond(json=DOCUMENT_JSON)
    await h.client.get_document(uid)
    raw_path = route.calls.last.request.url.raw_path.decode("ascii")
    prefix = "/plm/api/v1/documents/"
    assert raw_path.startswith(prefix)
    segment = raw_path.removeprefix(prefix)
    assert "/" not in segment
    assert "?" not in segment
    assert "#" not in segment
    assert unquote(segment) == uid


@pytest.mark.parametrize(
    ("uid", "message"),
    [
        ("", "must not be empty"),
        (".", "'.' or '..'"),
        ("..", "'.' or '..'"),
        ("a" * (MAX_IDENTIFIER_LENGTH + 1), "at most"),
        ("DOC\n1", "control"),
        ("DOC\x001", "control"),
        ("DOC\u202e1", "control"),
    ],
)
async def test_invalid_identifiers_are_refused_before_any_request(
    make_harness: HarnessFactory, uid: str, message: str
):
    h = make_harness()
    with pytest.raises(InvalidIdentifier, match=message) as caught:
        await h.client.get_document(uid)
    assert upstream_code(caught.value) is ErrorCode.BAD_USER_INPUT
    assert h.router.calls.call_count == 0


async def test_the_revision_label_latest_is_refused(make_harness: HarnessFactory):
    h = make_harness()
    with pytest.raises(InvalidIdentifier, match="reserved"):
        await h.client.get_revision("DOC-1", "latest")
    assert h.router.calls.call_count == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uid=st.text(max_size=300), revision=st.text(max_size=20))
async def test_any_identifier_is_one_segment_or_refused(uid: str, revision: str):
    router = respx.MockRouter(base_url="https://enovia.test/", assert_all_called=False)
    router.route(method="GET").respond(json=REVISION_JSON)
    async with httpx.AsyncClient(
        base_url="https://enovia.test/", transport=httpx.MockTransport(router.async_handler)
    ) as http:
        from enovia.facade import FacadeClient

        client = FacadeClient(http)
        try:
            await client.get_revision(uid, revision)
        except InvalidIdentifier:
            assert router.calls.call_count == 0
            return
    assert router.calls.call_count == 1
    raw_path = router.calls.last.request.url.raw_path.decode("ascii")
    parts = raw_path.split("/")
    assert parts[:4] == ["", "api", "v1", "documents"]
    assert parts[5] == "revisions"
    assert len(parts) == 7
    assert unquote(parts[4]) == uid
    assert unquote(parts[6]) == revision


@given(st.text(min_size=1, max_size=MAX_IDENTIFIER_LENGTH))
def test_path_segment_round_trips_whatever_it_accepts(value: str):
    try:
        segment = path_segment(value, "uid")
    except InvalidIdentifier:
        assert value in {".", ".."} or not value.isprintable()
        return
    assert unquote(segment) == value
    assert all(ch.isascii() and ch not in "/?#" for ch in segment)
