"""What the client sends: the endpoints (as the templates calls are logged and counted
under), the search term, and the bodies of the POSTs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

DocumentSource = Literal["dsdoc", "dsdrw"]

#: The platform type of the objects each document source reads.
SOURCE_TYPES: Final[dict[DocumentSource, str]] = {"dsdoc": "Document", "dsdrw": "Drawing"}

# 3DPassport, relative to its root.
BATCH_TICKET: Final = "/api/v2/batch/ticket"
CAS_TRANSIENT: Final = "/api/login/cas/transient"
PASSPORT_LOGIN: Final = "/login"

# 3DSpace, relative to its root.
PERSON: Final = "/resources/modeler/pno/person"
CSRF: Final = "/resources/v1/application/CSRF"
SEARCH: Final = "/resources/v1/modeler/documents/search"
DOCUMENTS_BY_IDS: Final = "/resources/v1/modeler/documents/ids"
GET_GRAPH: Final = "/resources/v1/modeler/dslc/version/getGraph"
DOCUMENT_PATH: Final = "/resources/v1/modeler/documents/"
#: Calls under this prefix carry the SecurityContext header.
CONTEXT_PREFIX: Final = "/resources/v1/"

#: Objects per search page, per getGraph call and per documents/ids call.
PAGE_SIZE: Final = 50
#: Pages of one search at most: a name with more hits than this is not a document's.
MAX_SEARCH_PAGES: Final = 10

_PHYSICAL_ID: Final = re.compile(r"[0-9A-Fa-f]{32}")


def is_physical_id(uid: str) -> bool:
    """Whether `uid` is a 32-hex-digit physical id (else it is a document name)."""
    return _PHYSICAL_ID.fullmatch(uid) is not None


def search_term(name: str) -> str:
    """The search for objects named `name`: `name:"<name>"`, with `\\` and `"` escaped by a
    backslash, so that nothing in a name (spaces, `AND`, `*`, `:`) is search syntax."""
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'name:"{quoted}"'


def graph_body(ids: Sequence[tuple[str, str]], source_type: str, space_url: str) -> object:
    """getGraph's body for `ids` (id, relative path) of objects of `source_type`."""
    return {
        "data": [
            {
                "id": oid,
                "identifier": oid,
                "type": source_type,
                "source": space_url,
                "relativePath": path,
            }
            for oid, path in ids
        ]
    }


def ids_body(ids: Sequence[str]) -> object:
    """documents/ids's body: one JSON string of comma-separated ids."""
    return ",".join(ids)


def document_path(oid: str) -> str:
    return DOCUMENT_PATH + oid
