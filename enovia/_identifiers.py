"""Identifiers as path segments: each goes to ENOVIA as exactly one percent-encoded segment."""

from __future__ import annotations

from urllib.parse import quote

from enovia._errors import InvalidIdentifier

MAX_IDENTIFIER_LENGTH = 256

#: The revision label that names ENOVIA's own `revisions/latest` endpoint: a revision with
#: this label could not be asked for without asking for the latest released one instead.
RESERVED_REVISION = "latest"


def path_segment(value: str, what: str) -> str:
    """Return `value` percent-encoded as one path segment, or raise `InvalidIdentifier`.

    Refused before any request: empty values, values over `MAX_IDENTIFIER_LENGTH` characters,
    `.` and `..` (URL normalisation would turn them into another path), and values holding a
    control, format or separator character other than the plain space.
    """
    _check(value, what)
    return quote(value, safe="")


def revision_segment(value: str) -> str:
    """`path_segment` for a revision label, also refusing the reserved label `latest`."""
    _check_revision(value)
    return quote(value, safe="")


def _check(value: str, what: str) -> None:
    """What `path_segment` refuses (the checks alone: a value only validated, not sent, need
    not be encoded)."""
    if not value:
        raise InvalidIdentifier(f"{what} must not be empty")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise InvalidIdentifier(
            f"{what} is {len(value)} characters long; at most {MAX_IDENTIFIER_LENGTH} are allowed"
        )
    if value in {".", ".."}:
        raise InvalidIdentifier(f"{what} must not be '.' or '..'")
    if not value.isprintable():
        raise InvalidIdentifier(f"{what} contains a control or invisible character")


def _check_revision(value: str) -> None:
    if value == RESERVED_REVISION:
        raise InvalidIdentifier(
            "revision 'latest' is reserved: ask for the document's latestRevision instead"
        )
    _check(value, "revision")


def checked_uid(uid: str) -> str:
    """`uid` unchanged, or `InvalidIdentifier` when no upstream could be sent it."""
    _check(uid, "uid")
    return uid


def checked_revision(revision: str) -> str:
    """`revision` unchanged, or `InvalidIdentifier` when no upstream could be sent it."""
    _check_revision(revision)
    return revision
