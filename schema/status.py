"""The status mapping and the actuality rule: pure functions, no I/O.

The seed maps ENOVIA's maturity states to PTE-QR business statuses and calls a revision actual
when its state is in the released family and nothing supersedes it. The gateway adds a second
signal: ENOVIA's latest released revision must be the very revision asked about; and a third:
the data behind the verdict must be what ENOVIA confirmed within the request's `maxAge` (not a
STALE copy served because ENOVIA failed). A revision is CURRENT only when all three hold;
every disagreement is "not actual" with the reason that explains it.

The business status shown beside a verdict follows the verdict (`effective_status`), so that a
screen that shows only the label never says "approved" for a drawing that was replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache
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
    UNCONFIRMED = "UNCONFIRMED"


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
#: The seed's language: labels are in it unless the caller asks for another it supports.
DEFAULT_LANGUAGE = "ru"


_RELEASED_FAMILY = frozenset(
    {BusinessStatusCode.APPROVED_FOR_CONSTRUCTION, BusinessStatusCode.ACCEPTED_BY_CUSTOMER}
)


class RevisionFacts(Protocol):
    """What the rule reads of a revision (ENOVIA's revision model has these).

    `business_status` is the status the upstream's own state table gives the state (the
    3DEXPERIENCE platform's, which a site can configure); None: the seed's table applies.
    """

    @property
    def revision(self) -> str: ...
    @property
    def maturity_state(self) -> str: ...
    @property
    def superseded_by(self) -> str | None: ...
    @property
    def business_status(self) -> str | None: ...


def business_status(maturity_state: str, mapped: str | None = None) -> BusinessStatusCode:
    """The status `mapped` names when the upstream mapped the state itself, else the seed's
    mapping of `maturity_state`; a state it does not know is UNKNOWN, never an error."""
    if mapped is not None:
        return BusinessStatusCode(mapped)
    return STATUS_BY_STATE.get(maturity_state, BusinessStatusCode.UNKNOWN)


def status_of(revision: RevisionFacts) -> BusinessStatusCode:
    """The business status of the revision's own state, before any verdict."""
    return business_status(revision.maturity_state, revision.business_status)


def status_label(code: BusinessStatusCode, lang: str | None, accept_language: str = "") -> str:
    """The label of `code` in `lang` (a tag such as `ru`, `en` or `en-GB`) when it is one of
    `LANGUAGES`; else in the first supported language of an `Accept-Language` header; else
    in `DEFAULT_LANGUAGE`. Never an error: a label is always there to show."""
    labels = LABELS[code]
    if lang is not None:
        text = labels.get(_primary(lang))
        if text is not None:
            return text
    return labels[preferred_language(accept_language)]


@lru_cache(maxsize=256)
def preferred_language(accept_language: str) -> str:
    """The supported language an `Accept-Language` header prefers most (by its q-values),
    else `DEFAULT_LANGUAGE`."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = _primary(tag)
        if quality > 0 and language in LANGUAGES:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _primary(tag: str) -> str:
    return tag.strip().lower().replace("_", "-").split("-", 1)[0]


def is_released_and_not_superseded(revision: RevisionFacts) -> bool:
    """The seed's rule (`is_revision_actual`): released family and no `supersededBy`."""
    return status_of(revision) in _RELEASED_FAMILY and not revision.superseded_by


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
    status = status_of(revision)
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


#: The status shown beside each verdict that is not CURRENT (CURRENT shows the state's own).
_STATUS_OF_VERDICT: dict[ActualityReason, BusinessStatusCode] = {
    ActualityReason.SUPERSEDED: BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    ActualityReason.NEWER_REVISION_RELEASED: BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    ActualityReason.NOT_RELEASED: BusinessStatusCode.IN_WORK,
    ActualityReason.UNKNOWN_STATE: BusinessStatusCode.UNKNOWN,
    ActualityReason.REVISION_NOT_FOUND: BusinessStatusCode.UNKNOWN,
    ActualityReason.DOCUMENT_NOT_FOUND: BusinessStatusCode.UNKNOWN,
    ActualityReason.UNCONFIRMED: BusinessStatusCode.UNKNOWN,
}


def effective_status(reason: ActualityReason, revision: RevisionFacts | None) -> BusinessStatusCode:
    """The business status a revision is shown with, given its verdict: the mapping of its
    state when CURRENT; CHANGES_INTRODUCED_GET_NEW when replaced; IN_WORK when not released;
    UNKNOWN when it cannot be told."""
    if reason is ActualityReason.CURRENT:
        assert revision is not None
        return status_of(revision)
    return _STATUS_OF_VERDICT[reason]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verdict on one revision: why, what it would have been on confirmed data (for
    UNCONFIRMED), and the business status to show with it."""

    reason: ActualityReason
    status: BusinessStatusCode
    last_known_reason: ActualityReason | None = None

    @property
    def is_actual(self) -> bool:
        return self.reason is ActualityReason.CURRENT


def verdict(
    revision: RevisionFacts | None,
    latest: RevisionFacts | None,
    *,
    document_exists: bool = True,
    confirmed: bool = True,
) -> Verdict:
    """The verdict of `actuality_reason`, where `confirmed` says whether every piece of data
    behind it is what ENOVIA confirmed within the request's maxAge (False when any is STALE):
    a verdict that would be CURRENT on unconfirmed data is UNCONFIRMED; the other reasons say
    "not actual" already and stay."""
    reason = actuality_reason(revision, latest, document_exists=document_exists)
    if reason is ActualityReason.CURRENT and not confirmed:
        return _verdict_of(ActualityReason.UNCONFIRMED, BusinessStatusCode.UNKNOWN, reason)
    return _verdict_of(reason, effective_status(reason, revision))


@cache
def _verdict_of(
    reason: ActualityReason,
    status: BusinessStatusCode,
    last_known_reason: ActualityReason | None = None,
) -> Verdict:
    """The one `Verdict` of these parts (immutable, so shared: a list of a hundred documents
    has a verdict each, and a few kinds of them)."""
    return Verdict(reason, status, last_known_reason)
