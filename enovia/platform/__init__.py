"""The 3DEXPERIENCE platform (3DPassport and 3DSpace web services): `PlatformClient`, an
`Upstream` beside the REST facade's client, as docs/3dexperience-protocol.md specifies.

How the gateway logs in (`BatchServiceLogin`, `AgentLogin`, `PasswordLogin`), which objects
are its drawings (`DocumentSource`), how a printed revision label is matched
(`RevisionMatch`) and how lifecycle states map to business statuses (`StateTable`) are
the client's settings.
"""

from enovia.platform._client import PlatformClient
from enovia.platform._labels import RevisionMatch
from enovia.platform._login import (
    AgentLogin,
    AuthMode,
    BatchServiceLogin,
    LoginMethod,
    PasswordLogin,
)
from enovia.platform._requests import (
    BATCH_TICKET,
    CAS_TRANSIENT,
    CSRF,
    DOCUMENTS_BY_IDS,
    GET_GRAPH,
    PERSON,
    SEARCH,
    DocumentSource,
)
from enovia.platform._session import SecurityContextUnavailable
from enovia.platform._states import StateTable
from enovia.platform._wire import PlatformObserver

__all__ = [
    "BATCH_TICKET",
    "CAS_TRANSIENT",
    "CSRF",
    "DOCUMENTS_BY_IDS",
    "GET_GRAPH",
    "PERSON",
    "SEARCH",
    "AgentLogin",
    "AuthMode",
    "BatchServiceLogin",
    "DocumentSource",
    "LoginMethod",
    "PasswordLogin",
    "PlatformClient",
    "PlatformObserver",
    "RevisionMatch",
    "SecurityContextUnavailable",
    "StateTable",
]
