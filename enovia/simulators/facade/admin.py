"""The admin API under `/_sim`: stats, faults, reset, tokens and run-time document changes.

JSON in and out, dispatched as every simulator's admin API is (see `common.admin`): faults
never apply here, these calls are not counted in the stats, and bad input answers 400
`{"error": "bad_request", "message": ...}` naming the offending key.

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
    GET    /_sim/stats                 see `CallStats.snapshot`
    GET    /_sim/requests              the last calls with their headers (`CallStats.recent`)
    POST   /_sim/reset                 {"reset": true}
    POST   /_sim/tokens/revoke         {"revoked": n}

Identifiers in these paths are one percent-encoded segment each, as in the ENOVIA API.
"""

from __future__ import annotations

from typing import Final

from enovia.simulators.common.admin import (
    AdminCall,
    AdminError,
    BaseAdminApi,
    Route,
    check_keys,
    flag,
    json_object,
    text,
)
from enovia.simulators.common.asgi import Answer, error_answer, json_answer
from enovia.simulators.facade.model import Document, document_json, revision_json
from enovia.simulators.facade.state import SimulatorState
from enovia.simulators.facade.store import RevisionChanges

_ENDPOINTS: Final = (
    "GET /_sim/documents",
    "GET /_sim/documents/{doc_uid}",
    "DELETE /_sim/documents/{doc_uid}",
    "POST /_sim/documents/{doc_uid}/revisions",
    "PATCH /_sim/documents/{doc_uid}/revisions/{revision}",
    "GET /_sim/faults",
    "POST /_sim/faults",
    "GET /_sim/stats",
    "GET /_sim/requests",
    "POST /_sim/reset",
    "POST /_sim/tokens/revoke",
)


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


class AdminApi(BaseAdminApi[SimulatorState, AdminCall]):
    """ASGI app for everything below `/_sim`, over one simulator's state.

    A handler takes the call as it arrived; those that take a body parse it themselves
    (an empty one is not a JSON object), the others ignore it.
    """

    def __init__(self, state: SimulatorState) -> None:
        super().__init__(state, _ENDPOINTS)

    def _own_route(self, segments: tuple[str, ...]) -> Route[AdminCall] | None:
        match segments:
            case ("documents",):
                return {"GET": self._list_documents}, ()
            case ("documents", doc_uid):
                return {"GET": self._show_document, "DELETE": self._delete_document}, (doc_uid,)
            case ("documents", doc_uid, "revisions"):
                return {"POST": self._add_revision}, (doc_uid,)
            case ("documents", doc_uid, "revisions", revision):
                return {"PATCH": self._patch_revision}, (doc_uid, revision)
            case ("tokens", "revoke"):
                return {"POST": self._revoke_tokens}, ()
        return None

    def _request(self, call: AdminCall) -> AdminCall:
        return call

    def _fault_update(self, request: AdminCall) -> object:
        return json_object(request.body)

    def _list_documents(self, call: AdminCall) -> Answer:
        store = self._state.store
        return json_answer(200, {"uids": store.stored_uids(), "deleted": store.deleted_uids()})

    def _show_document(self, call: AdminCall) -> Answer:
        (doc_uid,) = call.ids
        store = self._state.store
        document = store.get(doc_uid)
        if document is None:
            return error_answer(404, "not_found", "Document not found")
        return json_answer(200, _document_view(document, store.is_stored(doc_uid)))

    def _delete_document(self, call: AdminCall) -> Answer:
        (doc_uid,) = call.ids
        self._state.store.delete(doc_uid)
        return json_answer(200, {"deleted": doc_uid})

    def _add_revision(self, call: AdminCall) -> Answer:
        """Body: `{"revision", "maturityState" = "In Work", "pages" = 1,
        "supersede_previous" = false}`; answers 201 with the whole document."""
        (doc_uid,) = call.ids
        data = json_object(call.body)
        check_keys(data, "revision", "maturityState", "pages", "supersede_previous")
        label = text(data, "revision")
        if label == "latest":
            # `.../revisions/latest` means the latest released one: this label is unreachable.
            raise AdminError("revision 'latest' cannot be addressed through the API")
        state = text(data, "maturityState", "In Work")
        pages = _pages(data, 1)
        supersede = flag(data, "supersede_previous")
        store = self._state.store
        document = store.add_revision(doc_uid, label, state, pages, supersede_previous=supersede)
        return json_answer(201, _document_view(document, True))

    def _patch_revision(self, call: AdminCall) -> Answer:
        """Body: any of `maturityState`, `supersededBy` (a label or null), `pages`."""
        doc_uid, label = call.ids
        data = json_object(call.body)
        check_keys(data, "maturityState", "supersededBy", "pages")
        superseded_by = data.get("supersededBy")
        if superseded_by is not None and (not isinstance(superseded_by, str) or not superseded_by):
            raise AdminError("supersededBy must be a non-empty string or null")
        changes = RevisionChanges(
            maturity_state=text(data, "maturityState") if "maturityState" in data else None,
            pages=_pages(data) if "pages" in data else None,
            change_superseded_by="supersededBy" in data,
            superseded_by=superseded_by,
        )
        revision = self._state.store.patch_revision(doc_uid, label, changes)
        document = self._state.store.get(doc_uid)
        assert document is not None  # patch_revision just found it
        return json_answer(200, revision_json(document, revision))

    def _revoke_tokens(self, call: AdminCall) -> Answer:
        return json_answer(200, {"revoked": self._state.tokens.revoke_all()})
