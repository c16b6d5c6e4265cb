"""What the client sends: the search term, the bodies, which uid is an id."""

from __future__ import annotations

import pytest

from enovia.platform._requests import graph_body, ids_body, is_physical_id, search_term
from enovia.simulators.platform import quote_name
from enovia.simulators.platform.search_term import parse_search


@pytest.mark.parametrize(
    ("name", "term"),
    [
        ("A-100", 'name:"A-100"'),
        ('TDX "109"', r'name:"TDX \"109\""'),
        ("TDX\\110", r'name:"TDX\\110"'),
        ("TDX-111 AND OR *", 'name:"TDX-111 AND OR *"'),
        ("TDX:112", 'name:"TDX:112"'),
        ('\\"', r'name:"\\\""'),
        ("ЧЕРТЕЖ-013", 'name:"ЧЕРТЕЖ-013"'),
    ],
)
def test_the_name_is_quoted_and_escaped(name: str, term: str):
    assert search_term(name) == term
    # The simulator reads it back as exactly the name (and quotes it the same way).
    assert parse_search(term).text == name
    assert quote_name(name) == term


@pytest.mark.parametrize(
    ("uid", "physical"),
    [
        ("C4CA0860421A984EE8200BF53015E280", True),
        ("c4ca0860421a984ee8200bf53015e280", True),
        ("C4CA0860421A984EE8200BF53015E28", False),
        ("C4CA0860421A984EE8200BF53015E2800", False),
        ("G4CA0860421A984EE8200BF53015E280", False),
        ("DOC-001", False),
    ],
)
def test_which_uid_is_a_physical_id(uid: str, physical: bool):
    assert is_physical_id(uid) is physical


def test_the_bodies():
    assert ids_body(["A1", "B2"]) == "A1,B2"
    assert graph_body([("A1", "/p/A1")], "Drawing", "https://plm/3dspace") == {
        "data": [
            {
                "id": "A1",
                "identifier": "A1",
                "type": "Drawing",
                "source": "https://plm/3dspace",
                "relativePath": "/p/A1",
            }
        ]
    }
