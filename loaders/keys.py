"""How the cache names things: every key's format is written here, once (on Redis each key is
also prefixed with the cache's namespace)."""

from __future__ import annotations

from enum import Enum

#: Between a document's uid and a revision label in a revision's key. Identifiers never hold
#: it: control characters are refused before they reach a loader.
KEY_SEPARATOR = "\x00"


class Kind(Enum):
    """The kinds of ENOVIA resource, each with its own time to live."""

    DOCUMENT = "document"
    REVISION = "revision"
    LATEST = "latest"
    #: Every revision of a document at once (where the upstream can list them).
    REVISIONS = "revisions"

    # Enum's own hash is computed in Python, from the name; members are singletons that
    # compare by identity, so the identity hash keeps the contract and is made in C: the
    # loaders hash a kind several times for every resource a query asks for.
    __hash__ = object.__hash__


#: Each kind's value, read from a plain dict (`Kind.value` is a Python-level property).
KIND_VALUES: dict[Kind, str] = {kind: kind.value for kind in Kind}
_KEY_PREFIXES: dict[Kind, str] = {kind: f"{kind.value}:" for kind in Kind}


def cache_key(kind: Kind, uid: str, label: str | None = None) -> str:
    """The key of document `uid` itself, its latest released revision, or revision `label`."""
    if kind is Kind.REVISION:
        return f"{revisions_prefix(uid)}{label}"
    return _KEY_PREFIXES[kind] + uid


def revisions_prefix(uid: str) -> str:
    """What the key of every revision of document `uid` starts with."""
    return f"{Kind.REVISION.value}:{uid}{KEY_SEPARATOR}"


def document_keys(uid: str) -> tuple[tuple[str, ...], str]:
    """Every key of document `uid`: the fixed ones, and the prefix of its revisions'."""
    fixed = (Kind.DOCUMENT, Kind.LATEST, Kind.REVISIONS)
    return tuple(cache_key(kind, uid) for kind in fixed), revisions_prefix(uid)


def invalidation_key(uid: str) -> str:
    """Where a shared cache keeps when document `uid` was last invalidated."""
    return f"invalidated:{uid}"


def lock_key(key: str) -> str:
    """The key of the lock on the fetch for cache key `key`."""
    return f"lock:{key}"


def lease_key(key: str) -> str:
    """The key of the lease on watching cache key `key` (which replica polls it)."""
    return f"watch:{key}"


def namespaced(namespace: str, key: str) -> str:
    """`key` as a shared cache stores it: prefixed with the namespace of its deployment."""
    return f"{namespace}:{key}"
