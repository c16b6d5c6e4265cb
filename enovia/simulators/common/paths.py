"""Paths as segments: identifiers travel as exactly one percent-encoded segment each.

Starlette's `scope["path"]` is already percent-decoded, so a `/` inside an identifier
(`DOC%2F012`) would look like a separator there. Routing therefore splits the raw path on
`/` first and decodes each segment afterwards.
"""

from __future__ import annotations

from urllib.parse import quote, unquote_to_bytes

from starlette.types import Scope


def request_segments(scope: Scope) -> tuple[str, ...] | None:
    """The decoded segments of the request path below the app's root path.

    `/api/v1/documents/DOC%2F012` gives `("api", "v1", "documents", "DOC/012")`; a trailing
    slash gives a last empty segment. None when a segment is not valid UTF-8 once decoded.
    Without `raw_path` (some servers omit it) the decoded path is split instead, and then a
    `/` inside an identifier cannot be told from a separator.
    """
    root_path: str = scope.get("root_path", "")
    # The root path is part of both paths (ASGI); its own segments are skipped.
    skip = root_path.count("/") + 1
    raw_path: bytes | None = scope.get("raw_path")
    if raw_path is None:
        path: str = scope["path"]
        return tuple(path.split("/")[skip:])
    # Some clients put the query string into raw_path; a literal "?" is always encoded.
    raw = raw_path.partition(b"?")[0]
    try:
        return tuple(unquote_to_bytes(part).decode() for part in raw.split(b"/")[skip:])
    except UnicodeDecodeError:
        return None


def encode_segments(segments: tuple[str, ...] | list[str]) -> str:
    """The canonical path for *segments*: each percent-encoded with no safe characters."""
    return "".join("/" + quote(segment, safe="") for segment in segments)
