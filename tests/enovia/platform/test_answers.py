"""The platform's answers as typed models: what is read, and how a bad one is named."""

from __future__ import annotations

import orjson
import pytest

from enovia import UpstreamBadResponse
from enovia._models import parse_answer
from enovia.platform._answers import (
    BatchTicketAnswer,
    CsrfAnswer,
    DocumentsAnswer,
    GraphAnswer,
    PersonAnswer,
)


def parse(model, body: object):
    return parse_answer(model, orjson.dumps(body), "the call")


def test_the_documents_envelope():
    answer = parse(
        DocumentsAnswer,
        {
            "success": True,
            "statusCode": 200,
            "items": 7,
            "data": [
                {
                    "id": "AB" * 16,
                    "type": "Document",
                    "identifier": "AB" * 16,
                    "relativePath": "/resources/v1/modeler/documents/" + "AB" * 16,
                    "cestamp": "x",
                    "dataelements": {
                        "name": "A-100",
                        "title": "Plan",
                        "revision": "B",
                        "state": "RELEASED",
                        "isLatestRevision": "TRUE",
                        "originated": "2024-01-15T10:30:00Z",
                        "modified": "2024-02-01T08:00:00Z",
                        "somethingNew": {"nested": True},
                    },
                }
            ],
        },
    )
    (item,) = answer.data
    assert answer.items == 7
    assert item.relative_path.endswith("AB" * 16)
    assert item.dataelements.name == "A-100"
    assert item.dataelements.modified is not None
    assert item.dataelements.modified.isoformat() == "2024-02-01T08:00:00+00:00"


def test_the_graph():
    answer = parse(
        GraphAnswer,
        {
            "results": [
                {
                    "id": "1",
                    "versions": [
                        {
                            "id": "2",
                            "revision": "B",
                            "maturityState": "RELEASED",
                            "ancestors": [{"edgeType": "VersionOf", "id": "1"}],
                        }
                    ],
                },
                {"id": "3", "errorCode": "OBJECT_NOT_FOUND", "errorMessage": "gone"},
            ]
        },
    )
    found, missing = answer.results
    assert found.versions is not None
    assert found.versions[0].ancestors[0].id == "1"
    assert missing.error_code == "OBJECT_NOT_FOUND"
    assert missing.versions is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"success": True}, "data"),
        ({"data": [{"id": 5, "type": "Document", "dataelements": {"name": "x"}}]}, "data.0.id"),
        ({"data": [{"id": "1", "type": "Document", "dataelements": {}}]}, "dataelements.name"),
        (
            {"data": [{"id": "1", "type": "D", "dataelements": {"name": "x", "modified": "soon"}}]},
            "modified",
        ),
    ],
)
def test_a_bad_envelope_names_the_field(body: object, field: str):
    with pytest.raises(UpstreamBadResponse, match=field):
        parse(DocumentsAnswer, body)


def test_a_body_that_is_not_json():
    with pytest.raises(UpstreamBadResponse, match="not valid JSON"):
        parse_answer(DocumentsAnswer, b'{"data": [', "documents/search")


def test_a_bad_graph_names_the_field():
    with pytest.raises(UpstreamBadResponse, match="maturityState"):
        parse(GraphAnswer, {"results": [{"id": "1", "versions": [{"id": "2", "revision": "A"}]}]})


@pytest.mark.parametrize(
    ("credentials", "context"),
    [
        (
            {
                "role": {"name": "VPLMViewer"},
                "organization": {"name": "Co"},
                "collabspace": {"name": "Common"},
            },
            "VPLMViewer.Co.Common",
        ),
        (None, None),
        ({"role": {"name": "VPLMViewer"}, "organization": {"name": "Co"}}, None),
        (
            {"role": {"name": ""}, "organization": {"name": "Co"}, "collabspace": {"name": "C"}},
            None,
        ),
    ],
)
def test_the_security_context_from_the_preferred_credentials(credentials, context):
    answer = parse(PersonAnswer, {"pid": "1", "name": "p", "preferredcredentials": credentials})
    assert answer.security_context() == context


def test_tickets_and_tokens_do_not_show_in_reprs():
    ticket = parse(BatchTicketAnswer, {"access_token": "TICKET-1", "token_type": "CAS_TRANSIENT"})
    assert ticket.access_token == "TICKET-1"
    assert "TICKET-1" not in repr(ticket)
    csrf = parse(CsrfAnswer, {"csrf": {"name": "ENO_CSRF_TOKEN", "value": "TOKEN-1"}})
    assert "TOKEN-1" not in repr(csrf)
