"""How the store names ENOVIA resources in the cache."""

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


def cache_key(kind: Kind, uid: str, label: str | None = None) -> str:
    """The key of document `uid` itself, its latest released revision, or revision `label`."""
    if kind is Kind.REVISION:
        return f"{kind.value}:{uid}{KEY_SEPARATOR}{label}"
    return f"{kind.value}:{uid}"


def document_keys(uid: str) -> tuple[tuple[str, str], str]:
    """Every key of document `uid`: the two fixed ones, and the prefix of its revisions'."""
    fixed = (cache_key(Kind.DOCUMENT, uid), cache_key(Kind.LATEST, uid))
    return fixed, f"{Kind.REVISION.value}:{uid}{KEY_SEPARATOR}"
