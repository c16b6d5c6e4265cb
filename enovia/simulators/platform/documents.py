"""3DSpace's document answers: by id, search, many by id, and the version graph.

Each handler answers from the store as it is now, except search, which reads the lagging
index. Each also says which document names its answer is about, for the faults that pick
answers by name (`malformed`, `html_error`).

    GET  documents/{id}                     the envelope with that object; 404 when none
    GET  documents/search?searchStr=&$top=&$skip=
                                            the envelope of one page; `items` = every hit
    POST documents/ids    "<id>,<id>,..."   the envelope of those that exist (at most 50)
    POST dslc/version/getGraph  {"data": [{"id"}, ...]}
                                            {"results": [...]}, one per distinct asked id
                                            (but those `graph_omit` leaves out)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import orjson

from enovia.simulators.common.asgi import Answer, json_answer
from enovia.simulators.platform.index import Hit
from enovia.simulators.platform.model import (
    document_item,
    envelope,
    object_name,
    object_ref,
    version_json,
)
from enovia.simulators.platform.search_term import SearchSyntaxError, parse_search
from enovia.simulators.platform.state import PlatformState
from enovia.simulators.platform.wire import graph_error, platform_error

# documents/ids takes at most this many ids per call.
IDS_LIMIT: Final = 50
DEFAULT_TOP: Final = 50
MAX_TOP: Final = 1000


@dataclass(frozen=True, slots=True)
class Outcome:
    """An answer and the document names it is about."""

    answer: Answer
    names: tuple[str, ...] = ()


def _hit_name(hit: Hit) -> str:
    elements = hit["dataelements"]
    assert isinstance(elements, dict)
    return str(elements["name"])


def _paging(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}")
    return number


class DocumentsApi:
    """The document endpoints over one simulator's state (already authenticated)."""

    def __init__(self, state: PlatformState) -> None:
        self._state = state

    def document(self, oid: str) -> Outcome:
        """`GET documents/{id}`."""
        found = self._state.store.revision(oid)
        if found is None:
            return Outcome(platform_error(404, f"Object {oid} not found"))
        family, revision = found
        return Outcome(
            json_answer(200, envelope([document_item(family, revision)])),
            (object_name(family, revision),),
        )

    def search(self, query: Mapping[str, str]) -> Outcome:
        """`GET documents/search`: names by prefix (ignoring case) or free text, paged."""
        try:
            term = parse_search(query.get("searchStr", ""))
            top = _paging(query.get("$top"), "$top", DEFAULT_TOP, 1, MAX_TOP)
            skip = _paging(query.get("$skip"), "$skip", 0, 0, 2**31)
        except (SearchSyntaxError, ValueError) as error:
            return Outcome(platform_error(400, str(error)))
        state = self._state
        lag = state.faults.search_lag_seconds
        if term.by_name:
            hits = state.store.search_name(term.text, lag)
        else:
            hits = state.store.search_text(term.text, lag)
        page = hits[skip : skip + top]
        names = {_hit_name(hit) for hit in page}
        if term.by_name:
            names.add(term.text)
        answer = json_answer(200, envelope(list(page), total=len(hits)))
        return Outcome(answer, tuple(sorted(names)))

    def by_ids(self, body: bytes) -> Outcome:
        """`POST documents/ids`: the body is a JSON string of comma-separated ids."""
        try:
            text = orjson.loads(body)
        except orjson.JSONDecodeError:
            text = None
        if not isinstance(text, str):
            return Outcome(platform_error(400, 'The body must be a JSON string: "<id>,<id>,..."'))
        ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
        if len(ids) > IDS_LIMIT:
            return Outcome(platform_error(400, f"At most {IDS_LIMIT} ids per call"))
        items: list[object] = []
        names: set[str] = set()
        for oid in ids:
            found = self._state.store.revision(oid)
            if found is not None:
                family, revision = found
                items.append(document_item(family, revision))
                names.add(object_name(family, revision))
        return Outcome(json_answer(200, envelope(items)), tuple(sorted(names)))

    def graph(self, body: bytes, source: str) -> Outcome:
        """`POST dslc/version/getGraph`: every version of each asked object's family.

        Results and versions come in id order, not in the asked or creation order: the
        platform promises none, and a client must match them by id. An asked object whose
        name `graph_omit` holds has no result at all.
        """
        asked = _graph_ids(body)
        if isinstance(asked, str):
            return Outcome(graph_error(400, "BAD_REQUEST", asked))
        omit = self._state.faults.graph_omit
        limit = self._state.faults.graph_max_objects
        if len(asked) > limit:
            message = f"At most {limit} objects per call, got {len(asked)}"
            return Outcome(graph_error(400, "TOO_MANY_OBJECTS", message))
        results: list[object] = []
        names: set[str] = set()
        for oid in sorted(set(asked)):
            found = self._state.store.revision(oid)
            if found is None:
                results.append(
                    {
                        "id": oid,
                        "identifier": oid,
                        "errorCode": "OBJECT_NOT_FOUND",
                        "errorMessage": f"Object {oid} not found",
                    }
                )
                continue
            family, asked_object = found
            names.add(family.name)
            if object_name(family, asked_object) in omit:
                continue
            versions = sorted(family.revisions, key=lambda revision: revision.object_id)
            results.append(
                {
                    **object_ref(family, oid, source),
                    "versions": [version_json(family, v, source) for v in versions],
                }
            )
        return Outcome(json_answer(200, {"results": results}), tuple(sorted(names)))


def _graph_ids(body: bytes) -> list[str] | str:
    """The ids a getGraph body asks about, or what is wrong with it."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "The body is not JSON"
    objects = data.get("data") if isinstance(data, dict) else None
    if not isinstance(objects, list):
        return 'The body must be {"data": [{"id": ...}, ...]}'
    ids: list[str] = []
    for i, item in enumerate(objects):
        oid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(oid, str) or not oid:
            return f"data[{i}].id must be a non-empty string"
        ids.append(oid)
    return ids
