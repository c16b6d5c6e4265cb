"""Access tokens the simulator's OAuth2 endpoint issues."""

from __future__ import annotations

import secrets
from collections.abc import Callable

# Below this many live tokens expired ones are not worth sweeping out.
_SWEEP_FLOOR = 1024


class TokenRegistry:
    """Issues opaque bearer tokens and says whether one is still good.

    `clock` is a monotonic clock in seconds (`time.monotonic` in production; tests pass a
    fake one to expire tokens without sleeping). Not thread-safe: use it from one loop.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._expires_at: dict[str, float] = {}
        self._sweep_at = _SWEEP_FLOOR

    def issue(self, ttl: float) -> str:
        """A new random token, valid for *ttl* seconds from now."""
        if len(self._expires_at) >= self._sweep_at:
            self._sweep()
        token = secrets.token_urlsafe(32)
        self._expires_at[token] = self._clock() + ttl
        return token

    def is_valid(self, token: str) -> bool:
        """True when *token* was issued, has not expired and was not revoked."""
        expires_at = self._expires_at.get(token)
        if expires_at is None:
            return False
        if self._clock() >= expires_at:
            del self._expires_at[token]
            return False
        return True

    def revoke_all(self) -> int:
        """Revoke every issued token; returns how many were live or not yet swept."""
        count = len(self._expires_at)
        self._expires_at.clear()
        return count

    def __len__(self) -> int:
        return len(self._expires_at)

    def _sweep(self) -> None:
        # A benchmark that asks for many tokens must not grow this dict without bound.
        now = self._clock()
        self._expires_at = {t: at for t, at in self._expires_at.items() if at > now}
        self._sweep_at = max(_SWEEP_FLOOR, 2 * len(self._expires_at))
