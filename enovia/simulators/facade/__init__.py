"""A simulated ENOVIA PLM REST API, to develop, demo, test and benchmark the gateway against.

`create_simulator_app()` returns a Starlette app serving the seed's ENOVIA API
(`POST /oauth2/token`, `GET /api/v1/...`) over the sample documents of `data`, plus an admin
API under `/_sim/` to read call statistics, inject faults, reset, revoke tokens and change
documents while it runs. Each app holds its own state; nothing happens at import time.
"""

from enovia.simulators.facade.app import create_simulator_app
from enovia.simulators.facade.config import SimulatorConfig
from enovia.simulators.facade.data import (
    CATALOGUE_UIDS,
    DOC_ACCEPTED,
    DOC_AFC,
    DOC_APPROVED,
    DOC_CYRILLIC,
    DOC_GONE,
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_OBSOLETE_THEN_FROZEN,
    DOC_RELEASED_SUPERSEDED_BY_AFC,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SLASHED_REVISIONS,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_TWO_RELEASED,
    DOC_UNKNOWN_STATE,
    DOC_WITH_SLASH,
    DOC_WITH_SPACE,
    DOC_WITH_URL_CHARS,
    GENERATED_PREFIX,
    HOSTILE_UIDS,
    REV_SLASHED_CURRENT,
    REV_SLASHED_OLD,
    SAMPLE_UIDS,
    UNKNOWN_STATE,
    WELL_KNOWN_UIDS,
    generated_uid,
)
from enovia.simulators.facade.faults import MALFORMED_KINDS
from enovia.simulators.facade.model import RELEASED_STATES, SEED_STATES
from enovia.simulators.facade.paths import document_path, latest_revision_path, revision_path
from enovia.simulators.facade.state import SimulatorState
from enovia.simulators.facade.stats import TEMPLATES

__all__ = [
    "CATALOGUE_UIDS",
    "DOC_ACCEPTED",
    "DOC_AFC",
    "DOC_APPROVED",
    "DOC_CYRILLIC",
    "DOC_GONE",
    "DOC_IN_WORK_ONLY",
    "DOC_MISSING",
    "DOC_OBSOLETE_THEN_FROZEN",
    "DOC_RELEASED_SUPERSEDED_BY_AFC",
    "DOC_RELEASED_THEN_IN_WORK",
    "DOC_SLASHED_REVISIONS",
    "DOC_SUPERSEDED_THEN_RELEASED",
    "DOC_TWO_RELEASED",
    "DOC_UNKNOWN_STATE",
    "DOC_WITH_SLASH",
    "DOC_WITH_SPACE",
    "DOC_WITH_URL_CHARS",
    "GENERATED_PREFIX",
    "HOSTILE_UIDS",
    "MALFORMED_KINDS",
    "RELEASED_STATES",
    "REV_SLASHED_CURRENT",
    "REV_SLASHED_OLD",
    "SAMPLE_UIDS",
    "SEED_STATES",
    "TEMPLATES",
    "UNKNOWN_STATE",
    "WELL_KNOWN_UIDS",
    "SimulatorConfig",
    "SimulatorState",
    "create_simulator_app",
    "document_path",
    "generated_uid",
    "latest_revision_path",
    "revision_path",
]
