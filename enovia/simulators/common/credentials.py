"""Credentials checks shared by the simulated logins."""

from __future__ import annotations

import secrets


def same_secret(given: str, expected: str) -> bool:
    """Whether *given* is *expected*, compared in constant time."""
    # Bytes: compare_digest refuses str with non-ASCII characters.
    return secrets.compare_digest(given.encode(), expected.encode())
