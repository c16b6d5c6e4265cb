"""The admin API under `/_sim`: stats, faults, reset, tokens and run-time document changes.

JSON in and out. Faults never apply here, and these calls are not counted in the stats.
Bad input answers 400 `{"error": "bad_request", "message": ...}` naming the offending key.

    GET    /_sim/                      {"endpoints": [...]}
    GET    /_sim/documents             {"uids": [stored uids], "deleted": [deleted uids]}
    GET    /_sim/documents/{uid}       {"document", "deleted", "stored", "latestReleased",
                                        "revisions": [...]}   (GEN uids too; 404 when none)
    DELETE /_sim/documents/{uid}       {"deleted": uid}      (the API then answers 410)
    POST   /_sim/documents/{uid}/revisions
           {"revision": "C", "maturityState": "In Work", "pages": 1, "supersede_previous": false}
           → 201, the document as GET shows it; creates the document when there is none;
             409 when the label exists, 410 when the document is deleted
    PATCH  /_sim/documents/{uid}/revisions/{revision}
           any of {"maturityState", "supersededBy" (label or null), "pages"}
           → the revision as the API serves it
    GET    /_sim/faults                the current faults (see `Faults.as_json`)
    POST   /_sim/faults                merge a partial update; answers the new faults
    GET    /_sim/stats                 see `Stats.snapshot`
    POST   /_sim/reset                 {"reset": true}
    POST   /_sim/tokens/revoke         {"revoked": n}

Identifiers in these paths are one percent-encoded segment each, as in the ENOVIA API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import orjson
from starlette.types import Receive, Scope, Send

from enovia.simulators.facade.asgi import (
    Answer,
    BodyTooLarge,
    error_answer,
    json_answer,
    method_not_allowed,
    read_body,
)
from enovia.simulators.facade.faults import FaultError
from enovia.simulators.facade.model import Document, document_json, revision_json
from enovia.simulators.facade.routing import scope_segments
from enovia.simulators.facade.state import SimulatorState
from enovia.simulators.facade.store import RevisionChanges, StoreError

ADMIN_BODY_LIMIT: Final = 1024 * 1024

_NO_ENDPOINT: Final = error_answer(404, "not_found", "No such admin endpoint")

Handler = Callable[[bytes, tuple[str, ...]], Answer]

_ENDPOINTS: Final = (
    "GET /_sim/documents",
    "GET /_sim/documents/{doc_uid}",
    "DELETE /_sim/documents/{doc_uid}",
    "POST /_sim/documents/{doc_uid}/revisions",
    "PATCH /_sim/documents/{doc_uid}/revisions/{revision}",
    "GET /_sim/faults",
    "POST /_sim/faults",
    "GET /_sim/stats",
    "POST /_sim/reset",
    "POST /_sim/tokens/revoke",
)


class AdminError(Exception):
    """A request the admin API refuses with 400."""


def _json_object(body: bytes) -> dict[str, object]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise AdminError("the body is not valid JSON") from error
    if not isinstance(data, dict):
        raise AdminError("the body must be a JSON object")
    return data


def _check_keys(data: dict[str, object], allowed: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed:
            raise AdminError(f"unknown key {key!r}; known: {', '.join(allowed)}")


def _text(data: dict[str, object], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise AdminError(f"{key} must be a non-empty string")
    return value


def _pages(data: dict[str, object], default: int | None = None) -> int:
    value = data.get("pages", default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AdminError("pages must be an integer >= 0")
    return value


def _document_view(document: Document, stored: bool) -> dict[str, object]:
    latest = document.latest_released()
    return {
        "document": document_json(document),
        "deleted": document.deleted,
        "stored": stored,
        "latestReleased": None if latest is None else latest.label,
        "revisions": [revision_json(document, revision) for revision in document.revisions],
    }


class AdminApi:
    """ASGI app for everything below `/_sim`, over one simulator's state."""

    def __init__(self, state: SimulatorState) -> None:
        self._state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = await self._answer(scope, receive)
        if answer is not None:
            await answer.send(send)

    async def _answer(self, scope: Scope, receive: Receive) -> Answer | None:
        route = self._route(scope_segments(scope))
        if route is None:
            return _NO_ENDPOINT
        handlers, ids = route
        handler = handlers.get(scope["method"])
        if handler is None:
            return method_not_allowed(tuple(handlers))
        try:
            body = await read_body(receive, ADMIN_BODY_LIMIT)
        except BodyTooLarge:
            return error_answer(413, "bad_request", "body too large")
        if body is None:
            return None
        try:
            return handler(body, ids)
        except (AdminError, FaultError) as error:
            return error_answer(400, "bad_request", str(error))
        except StoreError as error:
            return error_answer(error.status, error.error, error.message)

    def _route(
        self, segments: tuple[str, ...]
    ) -> tuple[dict[str, Handler], tuple[str, ...]] | None:
        match segments:
            case () | ("",):
                return {"GET": self._index}, ()
            case ("documents",):
                return {"GET": self._list_documents}, ()
            case ("documents", doc_uid):
                return {"GET": self._show_document, "DELETE": self._delete_document}, (doc_uid,)
            case ("documents", doc_uid, "revisions"):
                return {"POST": self._add_revision}, (doc_uid,)
            case ("documents", doc_uid, "revisions", revision):
                return {"PATCH": self._patch_revision}, (doc_uid, revision)
            case ("faults",):
                return {"GET": self._get_faults, "POST": self._set_faults}, ()
            case ("stats",):
                return {"GET": self._stats}, ()
            case ("reset",):
                return {"POST": self._reset}, ()
            case ("tokens", "revoke"):
                return {"POST": self._revoke_tokens}, ()
        return None

    def _index(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        return json_answer(200, {"endpoints": list(_ENDPOINTS)})

    def _list_documents(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        store = self._state.store
        return json_answer(200, {"uids": store.stored_uids(), "deleted": store.deleted_uids()})

    def _show_document(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        (doc_uid,) = ids
        store = self._state.store
        document = store.get(doc_uid)
        if document is None:
            return error_answer(404, "not_found", "Document not found")
        return json_answer(200, _document_view(document, store.is_stored(doc_uid)))

    def _delete_document(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        (doc_uid,) = ids
        self._state.store.delete(doc_uid)
        return json_answer(200, {"deleted": doc_uid})

    def _add_revision(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        """Body: `{"revision", "maturityState" = "In Work", "pages" = 1,
        "supersede_previous" = false}`; answers 201 with the whole document."""
        (doc_uid,) = ids
        data = _json_object(body)
        _check_keys(data, ("revision", "maturityState", "pages", "supersede_previous"))
        label = _text(data, "revision")
        if label == "latest":
            # `.../revisions/latest` means the latest released one: this label is unreachable.
            raise AdminError("revision 'latest' cannot be addressed through the API")
        state = _text(data, "maturityState", "In Work")
        pages = _pages(data, 1)
        supersede = data.get("supersede_previous", False)
        if not isinstance(supersede, bool):
            raise AdminError("supersede_previous must be true or false")
        store = self._state.store
        document = store.add_revision(doc_uid, label, state, pages, supersede_previous=supersede)
        return json_answer(201, _document_view(document, True))

    def _patch_revision(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        """Body: any of `maturityState`, `supersededBy` (a label or null), `pages`."""
        doc_uid, label = ids
        data = _json_object(body)
        _check_keys(data, ("maturityState", "supersededBy", "pages"))
        superseded_by = data.get("supersededBy")
        if superseded_by is not None and (not isinstance(superseded_by, str) or not superseded_by):
            raise AdminError("supersededBy must be a non-empty string or null")
        changes = RevisionChanges(
            maturity_state=_text(data, "maturityState") if "maturityState" in data else None,
            pages=_pages(data) if "pages" in data else None,
            change_superseded_by="supersededBy" in data,
            superseded_by=superseded_by,
        )
        revision = self._state.store.patch_revision(doc_uid, label, changes)
        document = self._state.store.get(doc_uid)
        assert document is not None  # patch_revision just found it
        return json_answer(200, revision_json(document, revision))

    def _get_faults(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        return json_answer(200, self._state.faults.as_json())

    def _set_faults(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        faults = self._state.update_faults(_json_object(body))
        return json_answer(200, faults.as_json())

    def _stats(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        return json_answer(200, self._state.stats.snapshot())

    def _reset(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        self._state.reset()
        return json_answer(200, {"reset": True})

    def _revoke_tokens(self, body: bytes, ids: tuple[str, ...]) -> Answer:
        return json_answer(200, {"revoked": self._state.tokens.revoke_all()})
