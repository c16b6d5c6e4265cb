"""The status mapping and the actuality rule: pure functions, no I/O.

The seed maps ENOVIA's maturity states to PTE-QR business statuses and calls a revision actual
when its state is in the released family and nothing supersedes it. The contract adds a second
signal: ENOVIA's latest released revision must be the very revision asked about. A revision is
CURRENT only when both agree; every disagreement is "not actual" with the reason that explains it.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class BusinessStatusCode(Enum):
    APPROVED_FOR_CONSTRUCTION = "APPROVED_FOR_CONSTRUCTION"
    ACCEPTED_BY_CUSTOMER = "ACCEPTED_BY_CUSTOMER"
    CHANGES_INTRODUCED_GET_NEW = "CHANGES_INTRODUCED_GET_NEW"
    IN_WORK = "IN_WORK"
    UNKNOWN = "UNKNOWN"


class ActualityReason(Enum):
    CURRENT = "CURRENT"
    SUPERSEDED = "SUPERSEDED"
    NEWER_REVISION_RELEASED = "NEWER_REVISION_RELEASED"
    NOT_RELEASED = "NOT_RELEASED"
    UNKNOWN_STATE = "UNKNOWN_STATE"
    REVISION_NOT_FOUND = "REVISION_NOT_FOUND"
    DOCUMENT_NOT_FOUND = "DOCUMENT_NOT_FOUND"


#: The seed's table, exactly: ENOVIA's states are matched as ENOVIA spells them.
STATUS_BY_STATE: dict[str, BusinessStatusCode] = {
    "Released": BusinessStatusCode.APPROVED_FOR_CONSTRUCTION,
    "AFC": BusinessStatusCode.APPROVED_FOR_CONSTRUCTION,
    "Accepted": BusinessStatusCode.ACCEPTED_BY_CUSTOMER,
    "Approved": BusinessStatusCode.ACCEPTED_BY_CUSTOMER,
    "Obsolete": BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    "Superseded": BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    "In Work": BusinessStatusCode.IN_WORK,
    "Frozen": BusinessStatusCode.IN_WORK,
}

RELEASED_STATES = frozenset({"Released", "AFC", "Accepted", "Approved"})

LABELS: dict[BusinessStatusCode, dict[str, str]] = {
    BusinessStatusCode.APPROVED_FOR_CONSTRUCTION: {
        "ru": "Утвержден для строительства",
        "en": "Approved for construction",
    },
    BusinessStatusCode.ACCEPTED_BY_CUSTOMER: {
        "ru": "Принят заказчиком",
        "en": "Accepted by customer",
    },
    BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW: {
        "ru": "Изменения внесены, получить новую версию",
        "en": "Changes introduced, get the new version",
    },
    BusinessStatusCode.IN_WORK: {"ru": "В работе", "en": "In work"},
    BusinessStatusCode.UNKNOWN: {"ru": "Статус неизвестен", "en": "Status unknown"},
}

LANGUAGES = ("ru", "en")


class RevisionFacts(Protocol):
    """What the rule reads of a revision (ENOVIA's revision model has these)."""

    @property
    def revision(self) -> str: ...
    @property
    def maturity_state(self) -> str: ...
    @property
    def superseded_by(self) -> str | None: ...


def business_status(maturity_state: str) -> BusinessStatusCode:
    """The seed's mapping; a state it does not know is UNKNOWN, never an error."""
    return STATUS_BY_STATE.get(maturity_state, BusinessStatusCode.UNKNOWN)


def status_label(code: BusinessStatusCode, lang: str) -> str | None:
    """The label in `lang` (a tag such as `ru`, `en` or `en-GB`); None for other languages."""
    primary = lang.strip().lower().replace("_", "-").split("-", 1)[0]
    return LABELS[code].get(primary)


def is_released_and_not_superseded(revision: RevisionFacts) -> bool:
    """The seed's rule (`is_revision_actual`): released family and no `supersededBy`."""
    return revision.maturity_state in RELEASED_STATES and not revision.superseded_by


def needs_latest(revision: RevisionFacts) -> bool:
    """Whether the verdict depends on ENOVIA's latest released revision: only when the
    revision's own facts say actual. Every other verdict is decided by the revision alone."""
    return is_released_and_not_superseded(revision)


def actuality_reason(
    revision: RevisionFacts | None,
    latest: RevisionFacts | None,
    *,
    document_exists: bool = True,
) -> ActualityReason:
    """Why the asked revision is or is not the one to build from.

    `revision` is None when ENOVIA has no such revision; `document_exists` then tells a missing
    document from a missing revision. `latest` is ENOVIA's latest released revision, None when
    ENOVIA says none is released; it is read only when `needs_latest(revision)`.
    """
    if revision is None:
        if document_exists:
            return ActualityReason.REVISION_NOT_FOUND
        return ActualityReason.DOCUMENT_NOT_FOUND
    state = revision.maturity_state
    status = business_status(state)
    if revision.superseded_by or status is BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW:
        return ActualityReason.SUPERSEDED
    if status is BusinessStatusCode.IN_WORK:
        return ActualityReason.NOT_RELEASED
    if status is BusinessStatusCode.UNKNOWN:
        return ActualityReason.UNKNOWN_STATE
    # Released family, not superseded: actual by the seed's rule; now ENOVIA's latest must agree.
    if latest is None:
        # ENOVIA reports no released revision at all for this document: the two disagree,
        # and "released" cannot be trusted.
        return ActualityReason.NOT_RELEASED
    if latest.revision != revision.revision:
        return ActualityReason.NEWER_REVISION_RELEASED
    return ActualityReason.CURRENT
