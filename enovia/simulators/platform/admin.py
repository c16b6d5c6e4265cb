"""The admin API under `/_sim`: stats, faults, reset, sessions, secrets and document changes.

JSON in and out, dispatched as every simulator's admin API is (see `common.admin`): faults
never apply here, these calls are not counted in the stats, and bad input answers 400
`{"error": "bad_request", "message": ...}` naming the offending key. A body may be empty
(no keys); else it must be a JSON object, whichever the endpoint.

    GET    /_sim/                       {"endpoints": [...]}
    GET    /_sim/stats                  see `PlatformStats.snapshot`, plus `sessions_active`
    GET    /_sim/requests               the last calls with their headers (`CallStats.recent`)
    POST   /_sim/reset                  {"reset": true}
    GET    /_sim/faults                 the current faults (see `PlatformFaults.as_json`)
    POST   /_sim/faults                 merge a partial update; answers the new faults
    GET    /_sim/documents              {"families": [{"name", "type", "deleted"}, ...]}
    GET    /_sim/documents/{name}       the family: {"name", "type", "title", "policy",
                                        "deleted", "stored", "revisions": [...]} (GEN too)
    DELETE /_sim/documents/{name}       {"deleted": name, "type": type}
    POST   /_sim/documents/{name}/revisions
           {"revision": "C", "maturityState": "IN_WORK", "from": "B"}
           → 201, the family; made from `from` (default: the newest revision); creates the
             family when there is none; 409 when the label exists, 410 when deleted
    PATCH  /_sim/documents/{name}/revisions/{label}           {"maturityState"} → the family
    DELETE /_sim/documents/{name}/revisions/{label}           that revision object alone →
                                                              the family (deleted with its
                                                              last revision); the revisions
                                                              made from it start a line
    POST   /_sim/documents/{name}/revisions/{label}/release   RELEASED; the released ones it
                                                              was made from become OBSOLETE
    POST   /_sim/documents/{name}/revisions/{label}/obsolete  OBSOLETE
    POST   /_sim/documents/{name}/revisions/{label}/rename    {"to"} → the family: that
                                                              object alone is named `to`,
                                                              still in the family's graph;
                                                              409 when `to` has that label
    POST   /_sim/documents/{name}/rename                      {"to"} → the family
    POST   /_sim/sessions/expire        {"passport": false} → {"expired", "passport_expired"}
    POST   /_sim/batch-secret           {"secret"} → {"rotated": true}

A family's view lists each revision with the name it carries (`name`: the family's unless
renamed alone). Every `/_sim/documents/{name}...` call takes `?type=Drawing` (or any type)
to pick one of the families sharing a name; without it, the Document (created as one when
there is none), else the other family of that name. Identifiers in paths are one
percent-encoded segment each. Document changes reach documents/{id}, documents/ids and
getGraph at once, search once `search_lag_seconds` have passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
from enovia.simulators.facade.model import iso_z
from enovia.simulators.platform.model import IN_WORK, OBSOLETE, Family, object_name
from enovia.simulators.platform.request import Call
from enovia.simulators.platform.state import PlatformState

_ENDPOINTS: Final = (
    "GET /_sim/stats",
    "GET /_sim/requests",
    "POST /_sim/reset",
    "GET /_sim/faults",
    "POST /_sim/faults",
    "GET /_sim/documents",
    "GET /_sim/documents/{name}",
    "DELETE /_sim/documents/{name}",
    "POST /_sim/documents/{name}/revisions",
    "PATCH /_sim/documents/{name}/revisions/{label}",
    "DELETE /_sim/documents/{name}/revisions/{label}",
    "POST /_sim/documents/{name}/revisions/{label}/release",
    "POST /_sim/documents/{name}/revisions/{label}/obsolete",
    "POST /_sim/documents/{name}/revisions/{label}/rename",
    "POST /_sim/documents/{name}/rename",
    "POST /_sim/sessions/expire",
    "POST /_sim/batch-secret",
)


@dataclass(frozen=True, slots=True)
class _Request:
    """What an admin handler gets: the JSON body (an object; {} when empty), the path's
    identifiers and the query."""

    data: dict[str, object]
    ids: tuple[str, ...]
    query: Mapping[str, str]

    @classmethod
    def of(cls, call: AdminCall) -> _Request:
        """The request of *call*. Raises AdminError when its body is not a JSON object."""
        data = json_object(call.body) if call.body.strip() else {}
        return cls(data, call.ids, Call.of(call.scope).query)

    def doc_type(self) -> str | None:
        doc_type = self.query.get("type")
        if doc_type == "":
            raise AdminError("type must not be empty")
        return doc_type

    def check_keys(self, *allowed: str) -> None:
        check_keys(self.data, *allowed)

    def text(self, key: str, default: str | None = None) -> str:
        value = text(self.data, key, default)
        if "\x00" in value:
            raise AdminError(f"{key} must not hold NUL characters")
        return value


def family_view(family: Family, stored: bool) -> dict[str, object]:
    """How the admin API shows a family."""
    revisions = []
    for revision in family.revisions:
        ancestor = None if revision.made_from is None else family.find_id(revision.made_from)
        revisions.append(
            {
                "id": revision.object_id,
                "revision": revision.label,
                "name": object_name(family, revision),
                "maturityState": revision.state,
                "madeFrom": None if ancestor is None else ancestor.label,
                "originated": iso_z(revision.originated),
                "modified": iso_z(revision.modified),
            }
        )
    return {
        "name": family.name,
        "type": family.doc_type,
        "title": family.title,
        "policy": family.policy,
        "deleted": family.deleted,
        "stored": stored,
        "revisions": revisions,
    }


class AdminApi(BaseAdminApi[PlatformState, _Request]):
    """ASGI app for everything below `/_sim`, over one simulator's state."""

    def __init__(self, state: PlatformState) -> None:
        super().__init__(state, _ENDPOINTS)

    def _own_route(self, segments: tuple[str, ...]) -> Route[_Request] | None:
        match segments:
            case ("documents",):
                return {"GET": self._list_documents}, ()
            case ("documents", name):
                return {"GET": self._show, "DELETE": self._delete}, (name,)
            case ("documents", name, "revisions"):
                return {"POST": self._add_revision}, (name,)
            case ("documents", name, "revisions", label):
                return {"PATCH": self._patch_revision, "DELETE": self._delete_revision}, (
                    name,
                    label,
                )
            case ("documents", name, "revisions", label, "release"):
                return {"POST": self._release}, (name, label)
            case ("documents", name, "revisions", label, "obsolete"):
                return {"POST": self._obsolete}, (name, label)
            case ("documents", name, "revisions", label, "rename"):
                return {"POST": self._rename_revision}, (name, label)
            case ("documents", name, "rename"):
                return {"POST": self._rename}, (name,)
            case ("sessions", "expire"):
                return {"POST": self._expire_sessions}, ()
            case ("batch-secret",):
                return {"POST": self._rotate_batch_secret}, ()
        return None

    def _request(self, call: AdminCall) -> _Request:
        return _Request.of(call)

    def _fault_update(self, request: _Request) -> object:
        return request.data

    def _stats(self, request: _Request) -> Answer:
        snapshot = self._state.stats.snapshot()
        snapshot["sessions_active"] = self._state.sessions.live_count()
        return json_answer(200, snapshot)

    def _list_documents(self, request: _Request) -> Answer:
        families = [
            {"name": f.name, "type": f.doc_type, "deleted": f.deleted}
            for f in self._state.store.stored()
        ]
        return json_answer(200, {"families": families})

    def _view(self, family: Family, status: int = 200) -> Answer:
        return json_answer(status, family_view(family, self._state.store.is_stored(family)))

    def _show(self, request: _Request) -> Answer:
        (name,) = request.ids
        family = self._state.store.resolve(name, request.doc_type())
        if family is None:
            return error_answer(404, "not_found", "Document not found")
        return self._view(family)

    def _delete(self, request: _Request) -> Answer:
        (name,) = request.ids
        family = self._state.store.delete(name, request.doc_type())
        return json_answer(200, {"deleted": family.name, "type": family.doc_type})

    def _add_revision(self, request: _Request) -> Answer:
        (name,) = request.ids
        request.check_keys("revision", "maturityState", "from")
        label = request.text("revision")
        state = request.text("maturityState", IN_WORK)
        made_from = request.text("from") if "from" in request.data else None
        store = self._state.store
        family = store.add_revision(name, request.doc_type(), label, state, made_from)
        return self._view(family, 201)

    def _patch_revision(self, request: _Request) -> Answer:
        name, label = request.ids
        request.check_keys("maturityState")
        state = request.text("maturityState")
        return self._view(self._state.store.set_state(name, request.doc_type(), label, state))

    def _delete_revision(self, request: _Request) -> Answer:
        name, label = request.ids
        request.check_keys()
        return self._view(self._state.store.delete_revision(name, request.doc_type(), label))

    def _rename_revision(self, request: _Request) -> Answer:
        name, label = request.ids
        request.check_keys("to")
        to = request.text("to")
        store = self._state.store
        return self._view(store.rename_revision(name, request.doc_type(), label, to))

    def _release(self, request: _Request) -> Answer:
        name, label = request.ids
        request.check_keys()
        return self._view(self._state.store.release(name, request.doc_type(), label))

    def _obsolete(self, request: _Request) -> Answer:
        name, label = request.ids
        request.check_keys()
        return self._view(self._state.store.set_state(name, request.doc_type(), label, OBSOLETE))

    def _rename(self, request: _Request) -> Answer:
        (name,) = request.ids
        request.check_keys("to")
        to = request.text("to")
        return self._view(self._state.store.rename(name, request.doc_type(), to))

    def _expire_sessions(self, request: _Request) -> Answer:
        request.check_keys("passport")
        passport = flag(request.data, "passport")
        expired, passport_expired = self._state.end_sessions(passport=passport)
        return json_answer(200, {"expired": expired, "passport_expired": passport_expired})

    def _rotate_batch_secret(self, request: _Request) -> Answer:
        request.check_keys("secret")
        self._state.batch_secret = request.text("secret")
        return json_answer(200, {"rotated": True})
