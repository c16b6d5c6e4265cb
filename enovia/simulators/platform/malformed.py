"""Broken 200 answers (the `malformed` fault): what a client must survive without a 5xx."""

from __future__ import annotations

from typing import Final

from enovia.simulators.common.asgi import Answer, json_answer
from enovia.simulators.common.faults import MalformedKind
from enovia.simulators.platform.stats import GRAPH
from enovia.simulators.platform.wire import error_page_answer

_WRONG_TYPES_ENVELOPE: Final = {
    "success": "yes",
    "statusCode": "200",
    "items": "one",
    "data": [
        {
            "id": 12345,
            "type": None,
            "identifier": ["x"],
            "dataelements": {"name": 5, "revision": [], "state": {"RELEASED": True}},
        }
    ],
}
_WRONG_TYPES_GRAPH: Final = {
    "results": [{"id": 12345, "versions": {"revision": "A"}, "errorCode": 404}],
}


def malformed_answer(kind: MalformedKind, template: str) -> Answer:
    """The broken 200 answer of *kind* for an answer of *template* (documents or graph).

    `not_json`: a cut-off JSON body; `html`: the platform's HTML error page with 200;
    `empty`: no body; `wrong_types`: the right keys holding the wrong types;
    `missing_fields`: success without the data (`data`, `results`).
    """
    if kind == "not_json":
        return Answer(200, b'{"success": true, "data": [{"id": ')
    if kind == "html":
        return error_page_answer(200)
    if kind == "empty":
        return Answer(200, b"")
    graph = template == GRAPH
    if kind == "wrong_types":
        return json_answer(200, _WRONG_TYPES_GRAPH if graph else _WRONG_TYPES_ENVELOPE)
    # missing_fields
    return json_answer(200, {} if graph else {"success": True, "statusCode": 200})
