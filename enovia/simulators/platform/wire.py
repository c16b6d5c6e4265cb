"""The platform's answers on the wire: its JSON error shapes, redirects, cookies, HTML.

Built on the simulators' `Answer` (sent straight over ASGI).
"""

from __future__ import annotations

from typing import Final

from enovia.simulators.common.asgi import HTML, Answer, Headers, json_answer
from enovia.simulators.platform.pages import error_page
from enovia.simulators.platform.stats import UNMATCHED

_NO_STORE: Final = ((b"cache-control", b"no-store"),)


def platform_error(status: int, message: str, headers: Headers = ()) -> Answer:
    """3DSpace's error shape: `{"success": false, "statusCode": status, "error": message}`."""
    body = {"success": False, "statusCode": status, "error": message}
    return json_answer(status, body, headers)


def route_refusal(
    template: str, method: str, taken: str, no_endpoint: Answer
) -> tuple[str, Answer | None]:
    """(the template to count, the answer refusing the call or None) for a call made with
    *method* and routed to *template*, which takes *taken*: *no_endpoint* when nothing
    matched, a 405 naming *taken* when the method is not it (counted as UNMATCHED)."""
    if template == UNMATCHED:
        return template, no_endpoint
    if method != taken:
        return UNMATCHED, platform_error(405, f"Use {taken}", ((b"allow", taken.encode()),))
    return template, None


def graph_error(status: int, code: str, message: str) -> Answer:
    """The version graph's error shape: `{"errorCode", "errorMessage"}`."""
    return json_answer(status, {"errorCode": code, "errorMessage": message})


def html_answer(status: int, body: bytes, headers: Headers = ()) -> Answer:
    """An HTML page, never cached (login pages carry one-time tickets)."""
    return Answer(status, body, HTML, (*_NO_STORE, *headers))


def error_page_answer(status: int) -> Answer:
    """The platform's HTML error page ("An unexpected error has occurred")."""
    return html_answer(status, error_page())


def redirect(location: str, headers: Headers = ()) -> Answer:
    """302 to the absolute *location*."""
    return Answer(302, b"", HTML, ((b"location", location.encode()), *_NO_STORE, *headers))


def set_cookie(name: str, value: str, path: str, *, secure: bool) -> tuple[bytes, bytes]:
    """A `Set-Cookie` header for a session cookie (no expiry: it lives with the browser)."""
    cookie = f"{name}={value}; Path={path}; HttpOnly"
    if secure:
        cookie += "; Secure; SameSite=None"
    return b"set-cookie", cookie.encode()
