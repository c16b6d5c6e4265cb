"""Persisted operations: Automatic Persisted Queries (Apollo's `extensions.persistedQuery`
protocol, spoken by Apollo Client and urql) and trusted documents (only the operations of a
manifest built from `queries/` run)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from graphql import GraphQLError, parse, print_ast

from schema.errors import ErrorCode

#: Apollo's clients look for this message (and the code) to send the full query again.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class RequestRefused(Exception):
    """A GraphQL request refused before execution, with its code."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def canonical(document: str) -> str:
    """The document as graphql-core prints it: the same operation, however it was typed."""
    return print_ast(parse(document))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_manifest(queries_dir: Path) -> dict[str, str]:
    """`{sha256: document}` for every `*.graphql` file under `queries_dir`, in canonical form."""
    manifest = {}
    for path in sorted(queries_dir.glob("*.graphql")):
        document = canonical(path.read_text(encoding="utf-8"))
        manifest[sha256(document)] = document
    return manifest


def load_manifest(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path} is not a JSON object of sha256 -> document")
    return data


class PersistedOperations:
    """Resolves a request's `query` from its `extensions.persistedQuery.sha256Hash`.

    - A hash alone: the document registered under it (by an earlier request, or in the
      manifest); else `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND), upon which
      APQ clients send the document with its hash.
    - A document with its hash runs as any other; `register` keeps it once it has been
      executed (so it parsed, validated and passed the limits), normalised: comments, padding
      and formatting gone.
    - With `trusted_only`, nothing is registered: only the manifest's operations run, asked
      by hash or by their text (any formatting); anything else is refused.
    APQ registrations are kept per process, least recently used dropped first, within
    `max_entries` documents and `max_bytes` of their normalised text.
    """

    def __init__(
        self,
        manifest: Mapping[str, str] | None = None,
        *,
        trusted_only: bool = False,
        max_entries: int,
        max_bytes: int,
    ) -> None:
        self._manifest = dict(manifest or {})
        self._trusted_only = trusted_only
        self._max_entries = max_entries
        # Bounded in bytes here, in entries by `register`.
        self._registered: LRUCache[str, str] = LRUCache(maxsize=max_bytes, getsizeof=_utf8_size)

    def resolve(self, query: str | None, extensions: Any) -> str | None:
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            if self._trusted_only and query is not None:
                self._require_trusted(query)
            return query
        digest = _hash_of(persisted)
        if query is None:
            known = self._manifest.get(digest) or self._registered.get(digest)
            if known is None:
                raise RequestRefused(NOT_FOUND_MESSAGE, ErrorCode.PERSISTED_QUERY_NOT_FOUND)
            return known
        if sha256(query) != digest and not self._canonical_hash_matches(query, digest):
            raise RequestRefused(
                "persistedQuery.sha256Hash is not the SHA-256 of the query sent with it",
                ErrorCode.BAD_USER_INPUT,
            )
        if self._trusted_only:
            self._require_trusted(query)
        return query

    def register(self, query: str | None, extensions: Any) -> None:
        """Keep an executed request's document under the hash it was sent with (nothing
        when it came without one, when only trusted documents run, or when it is known)."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if self._trusted_only or query is None or not isinstance(persisted, dict):
            return
        digest = _hash_of(persisted)
        if digest in self._manifest or self._registered.get(digest) is not None:
            return
        normalised = canonical(query)
        if _utf8_size(normalised) > self._registered.maxsize or self._max_entries == 0:
            return
        self._registered[digest] = normalised
        while len(self._registered) > self._max_entries:
            self._registered.popitem()

    @property
    def registered(self) -> tuple[int, int]:
        """How many documents are registered, and their bytes."""
        return len(self._registered), int(self._registered.currsize)

    def _require_trusted(self, query: str) -> None:
        try:
            digest = sha256(canonical(query))
        except GraphQLError:
            digest = ""
        if digest not in self._manifest:
            raise RequestRefused(
                "this gateway runs only its trusted (persisted) operations; "
                "this one is not among them",
                ErrorCode.PERSISTED_QUERY_NOT_FOUND,
            )

    def _canonical_hash_matches(self, query: str, digest: str) -> bool:
        try:
            return sha256(canonical(query)) == digest
        except GraphQLError:
            return False


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _hash_of(persisted: Any) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise RequestRefused(
            "extensions.persistedQuery must be {version: 1, sha256Hash: <hex>}",
            ErrorCode.BAD_USER_INPUT,
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise RequestRefused(
            "extensions.persistedQuery.sha256Hash must be 64 hexadecimal characters",
            ErrorCode.BAD_USER_INPUT,
        )
    return digest.lower()
