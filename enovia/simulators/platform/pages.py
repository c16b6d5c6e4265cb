"""The HTML pages the platform shows: 3DPassport's login page and the error page.

A client meets them where it wanted JSON: the login page when its session is gone (a
proxy or a filter sends it there), the error page when 3DSpace failed. They look like the
real ones in the points a client can test: the login page holds a form posting to
`/3dpassport/login` and says 3DPassport; the error page says "An unexpected error has
occurred" and nothing about logging in.
"""

from __future__ import annotations

from html import escape
from typing import Final
from urllib.parse import quote

LOGIN_PATH: Final = "/3dpassport/login"
ERROR_TEXT: Final = "An unexpected error has occurred"


def login_page(service: str | None, lt: str, *, failed: bool = False) -> bytes:
    """3DPassport's login form; it posts to `/3dpassport/login[?service=...]` with *lt*.

    *failed*: the credentials just given were wrong (the page says so, as CAS does).
    """
    action = LOGIN_PATH if service is None else f"{LOGIN_PATH}?service={quote(service, safe='')}"
    error = (
        '<div class="error" role="alert">Invalid credentials: check your username and '
        "password.</div>\n"
        if failed
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        "<title>3DEXPERIENCE | 3DPassport - Log in</title></head>\n"
        '<body class="login">\n'
        "<h1>3DPassport</h1>\n"
        f"{error}"
        f'<form id="loginForm" method="post" action="{escape(action)}">\n'
        f'<input type="hidden" name="lt" value="{escape(lt)}">\n'
        '<label>Username or e-mail <input type="text" name="username"></label>\n'
        '<label>Password <input type="password" name="password"></label>\n'
        '<label><input type="checkbox" name="rememberMe" value="yes"> Remember me</label>\n'
        '<button type="submit">Log in</button>\n'
        "</form>\n</body></html>\n"
    ).encode()


def logged_in_page(username: str) -> bytes:
    """What 3DPassport shows a logged-in user who asked for no service."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        "<title>3DEXPERIENCE | 3DPassport</title></head>\n"
        f"<body><h1>3DPassport</h1><p>You are logged in as {escape(username)}.</p>"
        "</body></html>\n"
    ).encode()


def error_page() -> bytes:
    """The platform's generic error page (served with 500, or 200 by some proxies)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        "<title>3DEXPERIENCE | Error</title></head>\n"
        f'<body class="error"><h1>Error</h1><p>{ERROR_TEXT}.</p>'
        "<p>Contact your administrator if the problem persists.</p></body></html>\n"
    ).encode()


def unauthorized_service_page() -> bytes:
    """CAS's answer to a `service` that is not an absolute http(s) URL."""
    return (
        b"<!DOCTYPE html>\n"
        b'<html lang="en"><head><meta charset="utf-8">\n'
        b"<title>3DEXPERIENCE | 3DPassport</title></head>\n"
        b"<body><h1>Application not authorized to use 3DPassport</h1></body></html>\n"
    )
