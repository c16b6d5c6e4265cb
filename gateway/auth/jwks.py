"""The identity provider's signing keys: a JWKS fetched over HTTP, cached, refetched sparingly.

The identity provider is asked at most once per `min_refetch_interval` seconds, whatever the
tokens presented, so that a flood of tokens naming unknown key ids (or a provider that is down)
does not turn into a flood of requests to the provider; callers that need keys while a fetch is
under way share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeGuard

import httpx
import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

if TYPE_CHECKING:
    from jwt.algorithms import AllowedPublicKeys

__all__ = [
    "JWKS_TIMEOUT",
    "Clock",
    "HttpClientFactory",
    "JwksKeySource",
    "KeySet",
    "KeysUnavailable",
    "UnknownKey",
    "VerificationKey",
    "default_http_client",
    "parse_jwks",
]

logger = structlog.get_logger("gateway.auth")

Clock = Callable[[], float]
HttpClientFactory = Callable[[], httpx.AsyncClient]

#: Seconds for each phase of a JWKS request: a caller waits at most about this long for keys.
JWKS_TIMEOUT = 5.0
_SIGNING_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})


def default_http_client() -> httpx.AsyncClient:
    """The client the JWKS is fetched with unless another factory is given."""
    return httpx.AsyncClient(timeout=JWKS_TIMEOUT, headers={"Accept": "application/json"})


class KeysUnavailable(Exception):
    """The JWKS could not be fetched (or not again yet) and no earlier copy is at hand."""


class UnknownKey(Exception):
    """No key of the JWKS, even freshly fetched when allowed, matches the token's key id."""


@dataclass(frozen=True)
class VerificationKey:
    """One public signing key: its `kid`, the key (a `cryptography` public key), and the
    algorithm its JWK pins (`alg`), when it pins one."""

    kid: str | None
    key: AllowedPublicKeys
    algorithm: str | None


@dataclass(frozen=True)
class KeySet:
    keys: tuple[VerificationKey, ...]

    def find(self, kid: str | None) -> VerificationKey | None:
        """The key with this id; for a token without a key id, the only key when there is
        exactly one (else none: guessing among several would be trying keys until one fits)."""
        if kid is None:
            return self.keys[0] if len(self.keys) == 1 else None
        for key in self.keys:
            if key.kid == kid:
                return key
        return None


def parse_jwks(document: object, algorithms: Collection[str]) -> KeySet:
    """The usable signing keys of a JWKS document (RFC 7517).

    Kept: asymmetric keys (RSA, EC, OKP) meant for signatures (`use` absent or `sig`) whose
    `alg`, when given, is one of `algorithms`; anything else is skipped (symmetric `oct`
    keys above all). ValueError when the document is not a JWKS or has no usable key.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document (no 'keys' list)")
    keys: list[VerificationKey] = []
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") not in _SIGNING_KEY_TYPES:
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        algorithm = jwk.get("alg")
        if algorithm is not None and algorithm not in algorithms:
            continue
        kid = jwk.get("kid")
        if kid is not None and not isinstance(kid, str):
            continue
        try:
            public_key = jwt.PyJWK(jwk).key
        except jwt.PyJWTError:
            continue
        if not _is_public_key(public_key):
            continue
        keys.append(VerificationKey(kid=kid, key=public_key, algorithm=algorithm))
    if not keys:
        raise ValueError("the JWKS has no usable signing key")
    return KeySet(tuple(keys))


def _is_public_key(key: object) -> TypeGuard[AllowedPublicKeys]:
    # A JWK carrying private parts loads as a private key: a provider publishing one is
    # broken, and the gateway has no use for it.
    return isinstance(key, (RSAPublicKey, EllipticCurvePublicKey, Ed25519PublicKey, Ed448PublicKey))


class JwksKeySource:
    """The signing keys at `url`, for `key_for(kid)`.

    - The JWKS is fetched on first use and used for `cache_seconds`; then it is fetched again.
    - A key id not in the cached set causes a new fetch (keys rotate), but only when the last
      fetch was at least `min_refetch_interval` seconds ago: every fetch, successful or not,
      counts, so the provider sees at most one request per interval from this process.
    - Callers that need a fetch while one is under way wait for that one.
    - When a fetch fails and an earlier JWKS is at hand, it goes on being used (the failure is
      logged as a warning); without one, `KeysUnavailable`.

    The HTTP client is made by `http_client_factory` on first use; `aclose()` closes it (after
    which `key_for` raises `KeysUnavailable`). `clock` is monotonic seconds (tests inject one).
    """

    def __init__(
        self,
        url: str,
        *,
        algorithms: Collection[str],
        cache_seconds: float,
        min_refetch_interval: float,
        http_client_factory: HttpClientFactory = default_http_client,
        clock: Clock = time.monotonic,
    ) -> None:
        self._url = url
        self._algorithms = frozenset(algorithms)
        self._cache_seconds = cache_seconds
        self._min_refetch_interval = min_refetch_interval
        self._http_client_factory = http_client_factory
        self._clock = clock
        self._client: httpx.AsyncClient | None = None
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._inflight: asyncio.Task[None] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"JwksKeySource({self._url!r})"

    async def key_for(self, kid: str | None) -> VerificationKey:
        """The key that verifies a token with this `kid`.

        Raises `UnknownKey` when no key matches (after the one refetch allowed), and
        `KeysUnavailable` when no JWKS could be had at all.
        """
        if self._closed:
            raise KeysUnavailable("the JWKS source is closed")
        keys = self._keys
        refreshed = False
        if keys is None or self._clock() - self._fetched_at >= self._cache_seconds:
            keys = await self._refresh()
            refreshed = True
        found = keys.find(kid)
        if found is not None:
            return found
        # A key id we have not seen may be a key the provider has just rotated in; asking
        # again right after a fetch would not tell us more.
        if kid is not None and not refreshed:
            found = (await self._refresh()).find(kid)
            if found is not None:
                return found
        raise UnknownKey(kid)

    async def aclose(self) -> None:
        """Stop any fetch under way and close the HTTP client. Idempotent."""
        self._closed = True
        task, self._inflight = self._inflight, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def _refresh(self) -> KeySet:
        """The keys after a fetch (this caller's, or one under way), or the cached ones when
        the last fetch was too recent to ask again."""
        task = self._inflight
        if task is None:
            now = self._clock()
            last = self._last_attempt
            if last is not None and now - last < self._min_refetch_interval:
                if self._keys is None:
                    raise KeysUnavailable("the last JWKS fetch failed moments ago")
                return self._keys
            self._last_attempt = now
            task = asyncio.create_task(self._fetch(now), name="gateway.auth.jwks-fetch")
            self._inflight = task
            task.add_done_callback(self._fetch_done)
        # Shielded: a caller that goes away (client disconnect) does not cancel the fetch the
        # other callers wait for.
        await asyncio.shield(task)
        if self._keys is None:
            raise KeysUnavailable("the JWKS could not be fetched")
        return self._keys

    def _fetch_done(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def _fetch(self, started: float) -> None:
        """Fetch and parse the JWKS; on success replace the cached keys. Never raises (but
        for cancellation): any failure is logged and leaves the cached keys as they were."""
        try:
            if self._client is None:
                self._client = self._http_client_factory()
            response = await self._client.get(self._url)
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            keys = parse_jwks(response.json(), self._algorithms)
        except Exception as error:
            # Whatever went wrong, the outcome is the same: no (new) keys. The provider's
            # body is not logged; the error's type and message say enough.
            logger.warning(
                "auth.jwks_unavailable",
                url=self._url,
                error=f"{type(error).__name__}: {error}"[:300],
                using_cached_keys=self._keys is not None,
            )
            return
        self._keys = keys
        self._fetched_at = started
        logger.info("auth.jwks_fetched", url=self._url, keys=len(keys.keys))
