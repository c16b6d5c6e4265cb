"""The endpoint templates the facade simulator counts its calls by (see `CallStats`)."""

from __future__ import annotations

from typing import Final

TOKEN: Final = "POST /oauth2/token"
HEALTH: Final = "GET /api/v1/health"
DOCUMENT: Final = "GET /api/v1/documents/{doc_uid}"
REVISION: Final = "GET /api/v1/documents/{doc_uid}/revisions/{revision}"
LATEST: Final = "GET /api/v1/documents/{doc_uid}/revisions/latest"
# Calls under /api or /oauth2 that match no endpoint (wrong method, segment count...).
UNMATCHED: Final = "unmatched"

TEMPLATES: Final = (TOKEN, HEALTH, DOCUMENT, REVISION, LATEST, UNMATCHED)
