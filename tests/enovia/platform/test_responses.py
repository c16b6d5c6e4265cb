"""Reading one 3DSpace answer: its content, or the error it means (section 6 of the
protocol page); never the platform's own words in a message."""

from __future__ import annotations

import httpx
import pytest

from enovia import (
    EnoviaError,
    Forbidden,
    NotFound,
    RateLimited,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from enovia.platform._responses import CsrfRefused, SessionLost, checked_content
from enovia.simulators.platform.pages import error_page, login_page

SPACE = "https://plm.test/3dspace"
URL = SPACE + "/resources/v1/modeler/documents/search"
PLATFORM_WORDS = "secret-platform-words"


def answer(
    status: int, body: bytes | object = b"", headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("GET", URL)
    if isinstance(body, bytes):
        return httpx.Response(status, content=body, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


def error_of(response: httpx.Response) -> EnoviaError:
    with pytest.raises(EnoviaError) as caught:
        checked_content(response, "documents/search", SPACE)
    assert PLATFORM_WORDS not in caught.value.message
    return caught.value


def test_a_good_answer_is_its_content():
    response = answer(200, {"success": True, "data": []})
    assert checked_content(response, "documents/search", SPACE) == response.content


@pytest.mark.parametrize(
    "location",
    [
        "https://plm.test/3dpassport/login?service=x",
        "/3dpassport/login?service=x",
        "https://elsewhere.test/anything",
        SPACE + "/login",
    ],
)
def test_a_redirect_off_3dspace_or_to_a_login_is_session_loss(location: str):
    assert isinstance(error_of(answer(302, headers={"location": location})), SessionLost)


def test_a_redirect_within_3dspace_is_a_bad_response():
    error = error_of(answer(302, headers={"location": SPACE + "/resources/other"}))
    assert type(error) is UpstreamBadResponse


@pytest.mark.parametrize("status", [200, 401, 403, 500])
def test_a_login_page_is_session_loss_whatever_its_status(status: int):
    page = login_page("https://plm.test/3dspace/x", "LT-" + PLATFORM_WORDS)
    error = error_of(answer(status, page, {"content-type": "text/html"}))
    assert isinstance(error, SessionLost)


@pytest.mark.parametrize(
    ("status", "error"),
    [(200, UpstreamBadResponse), (404, UpstreamBadResponse), (500, UpstreamUnavailable)],
)
def test_another_html_page_is_a_bad_response_or_unavailable(status: int, error: type):
    found = error_of(answer(status, error_page(), {"content-type": "text/html"}))
    assert type(found) is error
    assert "HTML" in found.message or str(status) in found.message


def test_html_without_a_content_type_is_still_html():
    assert type(error_of(answer(200, b"  <html><body>oops</body></html>"))) is (UpstreamBadResponse)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"success": False, "statusCode": 401, "error": PLATFORM_WORDS}, SessionLost),
        (401, b"", SessionLost),
        (403, {"success": False, "error": "Session expired: please login again"}, SessionLost),
        (403, {"success": False, "error": "Not authenticated"}, SessionLost),
        (403, {"success": False, "error": "Invalid CSRF token (ENO_CSRF_TOKEN)"}, CsrfRefused),
        (400, {"error": "csrf token missing"}, CsrfRefused),
        (403, {"success": False, "statusCode": 403, "error": "Invalid SecurityContext"}, Forbidden),
        (404, {"success": False, "statusCode": 404, "error": PLATFORM_WORDS}, NotFound),
        (429, {"success": False, "statusCode": 429, "error": PLATFORM_WORDS}, RateLimited),
        (503, {"success": False, "statusCode": 503, "error": PLATFORM_WORDS}, UpstreamUnavailable),
        (400, {"success": False, "statusCode": 400, "error": PLATFORM_WORDS}, UpstreamBadResponse),
        # The JSON statusCode decides, whatever the HTTP status.
        (200, {"success": False, "statusCode": 404, "error": PLATFORM_WORDS}, NotFound),
        (500, {"success": False, "statusCode": 403, "error": PLATFORM_WORDS}, Forbidden),
        (200, {"success": False, "statusCode": 401}, SessionLost),
        (200, {"success": False, "statusCode": 200}, UpstreamBadResponse),
        # errorCode answers go by the HTTP status; with a 2xx they are bad answers.
        (400, {"errorCode": "TOO_MANY", "errorMessage": PLATFORM_WORDS}, UpstreamBadResponse),
        (404, {"errorCode": "NOT_FOUND", "errorMessage": PLATFORM_WORDS}, NotFound),
        (502, {"errorCode": "X", "errorMessage": PLATFORM_WORDS}, UpstreamUnavailable),
        (200, {"errorCode": "X", "errorMessage": PLATFORM_WORDS}, UpstreamBadResponse),
        # Neither shape: by the HTTP status.
        (404, b"nothing here " + PLATFORM_WORDS.encode(), NotFound),
        (418, b"", UpstreamBadResponse),
    ],
)
def test_errors_by_status(status: int, body: bytes | object, error: type):
    assert type(error_of(answer(status, body))) is error


def test_retry_after_is_kept():
    limited = error_of(answer(429, {"success": False, "statusCode": 429}, {"retry-after": "7"}))
    assert isinstance(limited, RateLimited)
    assert limited.retry_after == 7.0
    down = error_of(answer(503, b"", {"retry-after": "3"}))
    assert isinstance(down, UpstreamUnavailable)
    assert down.retry_after == 3.0
