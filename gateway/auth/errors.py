"""Why a caller was refused, in words that are safe to show them: `AuthenticationFailed` (401)
and `Forbidden` (403)."""

from __future__ import annotations

__all__ = ["AuthenticationFailed", "Forbidden"]


class AuthenticationFailed(Exception):
    """The caller is not authenticated; the middleware answers 401 `UNAUTHENTICATED`.

    `message` is for the caller and never holds the key or token they presented.
    `invalid_token` is true when credentials were presented and found bad (the answer then
    says `WWW-Authenticate: Bearer error="invalid_token"`, RFC 6750), false when none were
    usable or they could not be checked.
    """

    def __init__(self, message: str, *, invalid_token: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.invalid_token = invalid_token


class Forbidden(Exception):
    """The caller may not do this; the middleware answers 403 `FORBIDDEN`.

    `message` is for the caller and never holds a key or token. `insufficient` is true when
    valid credentials were presented that lack the role (the answer then says
    `WWW-Authenticate: Bearer error="insufficient_scope"`, RFC 6750), false when nobody may
    (the path is disabled by the configuration).
    """

    def __init__(self, message: str, *, insufficient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.insufficient = insufficient
