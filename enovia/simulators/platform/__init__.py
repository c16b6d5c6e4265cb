"""A simulated 3DEXPERIENCE platform (3DPassport + 3DSpace), to develop, demo, test and
benchmark the gateway's `ENOVIA_API=3dexperience` client against.

`create_platform_simulator_app()` returns a Starlette app serving, on one port, 3DPassport
under `/3dpassport` (CAS login, batch and transient tickets), 3DSpace under `/3dspace`
(session gate, person, CSRF, documents, search, version graph) over the sample families of
`data`, and an admin API under `/_sim/` to read call statistics, inject faults, reset, end
sessions, rotate the batch secret and change documents while it runs. The wire protocol is
docs/3dexperience-protocol.md. Each app holds its own state; nothing happens at import time.
"""

from enovia.simulators.platform.app import create_platform_simulator_app
from enovia.simulators.platform.config import (
    DEFAULT_CONTEXT,
    PlatformSimulatorConfig,
    PlatformUser,
)
from enovia.simulators.platform.data import (
    AWKWARD_NAMES,
    DOC_AND_DRAWING,
    DOC_BRANCHED,
    DOC_LEGACY_STATES,
    DOC_MAJOR_MINOR_LABELS,
    DOC_NUMERIC_LABELS,
    DOC_OBSOLETE_CHAIN,
    DOC_POLICY_PREFIXED_STATES,
    DOC_PREFIX_LONG,
    DOC_PREFIX_SHORT,
    DOC_PRIVATE_ONLY,
    DOC_WITH_BACKSLASH,
    DOC_WITH_COLON,
    DOC_WITH_QUOTES,
    DOC_WITH_SEARCH_WORDS,
    DRAWING,
    PLATFORM_NAMES,
    REV_BRANCH,
)
from enovia.simulators.platform.faults import SESSION_LOSS_SHAPES
from enovia.simulators.platform.model import DOCUMENT_TYPE, DRAWING_TYPE, object_id
from enovia.simulators.platform.search_term import quote_name
from enovia.simulators.platform.state import PlatformState
from enovia.simulators.platform.stats import (
    AUTH_PARAMS,
    BATCH_TICKET,
    CSRF,
    DOCUMENT,
    DOCUMENTS_BY_IDS,
    GRAPH,
    LOGIN_FORM,
    LOGIN_PAGE,
    PERSON,
    SEARCH,
    TEMPLATES,
    TRANSIENT_LOGIN,
    UNMATCHED,
)

__all__ = [
    "AUTH_PARAMS",
    "AWKWARD_NAMES",
    "BATCH_TICKET",
    "CSRF",
    "DEFAULT_CONTEXT",
    "DOCUMENT",
    "DOCUMENTS_BY_IDS",
    "DOCUMENT_TYPE",
    "DOC_AND_DRAWING",
    "DOC_BRANCHED",
    "DOC_LEGACY_STATES",
    "DOC_MAJOR_MINOR_LABELS",
    "DOC_NUMERIC_LABELS",
    "DOC_OBSOLETE_CHAIN",
    "DOC_POLICY_PREFIXED_STATES",
    "DOC_PREFIX_LONG",
    "DOC_PREFIX_SHORT",
    "DOC_PRIVATE_ONLY",
    "DOC_WITH_BACKSLASH",
    "DOC_WITH_COLON",
    "DOC_WITH_QUOTES",
    "DOC_WITH_SEARCH_WORDS",
    "DRAWING",
    "DRAWING_TYPE",
    "GRAPH",
    "LOGIN_FORM",
    "LOGIN_PAGE",
    "PERSON",
    "PLATFORM_NAMES",
    "REV_BRANCH",
    "SEARCH",
    "SESSION_LOSS_SHAPES",
    "TEMPLATES",
    "TRANSIENT_LOGIN",
    "UNMATCHED",
    "PlatformSimulatorConfig",
    "PlatformState",
    "PlatformUser",
    "create_platform_simulator_app",
    "object_id",
    "quote_name",
]
