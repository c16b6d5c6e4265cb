"""The facade's canonical paths, as the simulator counts them in `calls_by_path`.

Each identifier is exactly one percent-encoded segment (see `common.paths`).
"""

from __future__ import annotations

from urllib.parse import quote

API_PREFIX = "/api/v1"


def document_path(doc_uid: str) -> str:
    """`/api/v1/documents/{doc_uid}`, as the simulator counts it in `calls_by_path`."""
    return f"{API_PREFIX}/documents/{quote(doc_uid, safe='')}"


def revision_path(doc_uid: str, revision: str) -> str:
    """`/api/v1/documents/{doc_uid}/revisions/{revision}` (canonical encoding)."""
    return f"{document_path(doc_uid)}/revisions/{quote(revision, safe='')}"


def latest_revision_path(doc_uid: str) -> str:
    """`/api/v1/documents/{doc_uid}/revisions/latest` (canonical encoding)."""
    return f"{document_path(doc_uid)}/revisions/latest"
