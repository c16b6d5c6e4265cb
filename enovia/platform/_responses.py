"""How one 3DSpace answer is read: its content, or the error it means (section 6 of
docs/3dexperience-protocol.md). The platform's own words never reach an error's message:
they may hold anything; the message names the call instead."""

from __future__ import annotations

import re
from typing import Final

import httpx

from enovia._calls import retry_after
from enovia._errors import (
    EnoviaError,
    Forbidden,
    NotFound,
    RateLimited,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from enovia._models import json_object


class SessionLost(EnoviaError):
    """3DSpace no longer knows the gateway's session: log in again, then retry once."""

    outcome = "session_lost"


class CsrfRefused(EnoviaError):
    """3DSpace refused a POST's CSRF token: fetch a new one, then retry once."""

    outcome = "csrf_refused"


_LOGIN_FORM: Final = re.compile(rb"<form[^>]*action\s*=\s*[\"']?[^\"'>]*/login", re.IGNORECASE)
_SESSION_WORDS: Final = (b"session", b"not authenticated", b"login")
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


def is_html(response: httpx.Response) -> bool:
    """An HTML page (where JSON was due): by its content type, or by its first character."""
    if "html" in response.headers.get("content-type", "").lower():
        return True
    return response.content.lstrip()[:1] == b"<"


def is_login_page(content: bytes) -> bool:
    """3DPassport's login page (how an ended session shows when the platform answers in
    place of a redirect): a form posting to `/login`, or a page naming 3DPassport that asks
    for a password. Not any page with the word "login": an error page with a link to the
    login would cost a re-login and end as an authentication failure."""
    if _LOGIN_FORM.search(content):
        return True
    lowered = content.lower()
    return b"3dpassport" in lowered and b"password" in lowered


def is_session_refusal(response: httpx.Response) -> bool:
    """A 3DSpace answer that says the caller has no session: a 401, a login page, a 403
    whose body names the session."""
    status = response.status_code
    if status == 401 or (is_html(response) and is_login_page(response.content)):
        return True
    lowered = response.content.lower()
    return status == 403 and any(word in lowered for word in _SESSION_WORDS)


def checked_content(response: httpx.Response, what: str, space_url: str) -> bytes:
    """The body of a 3DSpace answer to the `what` call, or raise what it means:

    - `SessionLost`: a redirect off 3DSpace or to a login, a login page, a 401, a 403 (or a
      JSON `statusCode` 401/403) whose body names the session;
    - `CsrfRefused`: a 403 or 400 whose body names CSRF;
    - by the JSON `statusCode` of `{"success": false, ...}`, else by the HTTP status:
      404 `NotFound`, 403 `Forbidden`, 429 `RateLimited`, 5xx `UpstreamUnavailable`;
    - `UpstreamBadResponse` for any other non-2xx answer, an `errorCode` answer with a 2xx
      status, and an HTML page that is not a login page (`UpstreamUnavailable` on 5xx).
    """
    status = response.status_code
    content = response.content
    if status in _REDIRECTS:
        location = response.headers.get("location", "")
        target = response.url.join(location) if location else response.url
        if "/login" in target.path or not str(target).startswith(space_url):
            raise SessionLost(f"3DSpace ended the gateway's session ({what})")
        raise UpstreamBadResponse(f"3DSpace redirected the {what} call")
    if is_html(response):
        if status == 401 or is_login_page(content):
            raise SessionLost(f"3DSpace ended the gateway's session ({what})")
        if status >= 500:
            raise UpstreamUnavailable(
                f"3DSpace answered {status} to the {what} call", retry_after=retry_after(response)
            )
        raise UpstreamBadResponse(f"3DSpace answered the {what} call with an HTML page")
    if status == 401:
        raise SessionLost(f"3DSpace ended the gateway's session ({what})")
    lowered = content.lower()
    if status in (400, 403) and b"csrf" in lowered:
        raise CsrfRefused(f"3DSpace refused the CSRF token ({what})")
    body = json_object(content)
    code = status
    if body is not None and body.get("success") is False:
        declared = body.get("statusCode")
        if isinstance(declared, int) and not isinstance(declared, bool):
            code = declared
    if code == 403 and any(word in lowered for word in _SESSION_WORDS):
        raise SessionLost(f"3DSpace ended the gateway's session ({what})")
    if 200 <= code < 300:
        if body is not None and ("errorCode" in body or body.get("success") is False):
            raise UpstreamBadResponse(f"3DSpace answered the {what} call with an error")
        return content
    raise _by_status(code, response, what)


def _by_status(code: int, response: httpx.Response, what: str) -> EnoviaError:
    if code == 401:
        return SessionLost(f"3DSpace ended the gateway's session ({what})")
    if code == 404:
        return NotFound(f"3DSpace has no such object ({what})")
    if code == 403:
        return Forbidden(f"3DSpace does not let the gateway make the {what} call")
    if code == 429:
        return RateLimited(
            f"3DSpace is rate limiting the gateway ({what})", retry_after=retry_after(response)
        )
    if code >= 500:
        return UpstreamUnavailable(
            f"3DSpace answered {code} to the {what} call", retry_after=retry_after(response)
        )
    return UpstreamBadResponse(f"3DSpace answered the {what} call with status {code}")
