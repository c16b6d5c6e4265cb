"""Static API keys: checked in constant time, identified by a non-reversible id."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from gateway.auth.errors import AuthenticationFailed
from gateway.auth.identity import Identity
from gateway.auth.roles import Role

__all__ = ["ApiKeyVerifier", "key_id"]

#: Hex characters of the key's SHA-256 kept as its id: enough to tell keys apart in logs and
#: rate limiting, far too few (and of a hash) to recover the key.
KEY_ID_LENGTH = 12


def key_id(key: str | bytes) -> str:
    """The stable id of an API key: the first 12 hex characters of its SHA-256."""
    data = key.encode("utf-8") if isinstance(key, str) else key
    return hashlib.sha256(data).hexdigest()[:KEY_ID_LENGTH]


class ApiKeyVerifier:
    """Checks a presented key against every configured key.

    Each comparison is `hmac.compare_digest` of SHA-256 digests: digests have one length, so
    neither the time taken nor an early exit tells how long a key is or how much of it
    matched; and every configured key is compared, match or not, so the time does not tell
    which key matched either.

    The identities it returns have the one role given (`client` unless told otherwise): one
    verifier per list of keys, so that a key is only ever what its list says.
    """

    def __init__(self, keys: Iterable[str], *, role: Role = "client") -> None:
        self._keys = tuple(
            (hashlib.sha256(key.encode("utf-8")).digest(), key_id(key)) for key in keys
        )
        self._role: Role = role

    def __repr__(self) -> str:
        return f"ApiKeyVerifier(<{len(self._keys)} {self._role} keys>)"

    def find(self, presented: bytes) -> Identity | None:
        """The identity of the key, or None when it is none of these keys."""
        digest = hashlib.sha256(presented).digest()
        matched: str | None = None
        for known, known_id in self._keys:
            # Called through the module so that tests can watch it; no early `break`.
            if hmac.compare_digest(digest, known):
                matched = known_id
        if matched is None:
            return None
        return Identity(kind="api-key", id=matched, roles=frozenset({self._role}))

    def verify(self, presented: bytes) -> Identity:
        """The identity of the key, or `AuthenticationFailed("unknown API key")`."""
        identity = self.find(presented)
        if identity is None:
            raise AuthenticationFailed("unknown API key")
        return identity
