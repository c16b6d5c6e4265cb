"""`AuthenticationFailed`: why a caller was refused, in words that are safe to show them."""

from __future__ import annotations

__all__ = ["AuthenticationFailed"]


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
