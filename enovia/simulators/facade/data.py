"""The simulator's sample data: well-known documents, a generated catalogue, the GEN family.

Everything here is deterministic: fixed timestamps and a fixed random seed, so the same
documents come back on every run and tests may rely on them.

Well-known documents (each constant names one uid):

| uid            | revisions                                           | revisions/latest |
|----------------|-----------------------------------------------------|------------------|
| `DOC-001`      | A Superseded (by B), B Released                     | B                |
| `DOC-002`      | A Released, B In Work                               | A                |
| `DOC-003`      | A Released (supersededBy null), B Released          | B                |
| `DOC-004`      | A In Work                                           | 404              |
| `DOC-005`      | A Obsolete, B Frozen                                | 404              |
| `DOC-006`      | A AFC                                               | A                |
| `DOC-007`      | A Accepted                                          | A                |
| `DOC-008`      | A Approved                                          | A                |
| `DOC-009`      | A Released (supersededBy B), B AFC                  | B                |
| `DOC-010`      | A Cancelled (unknown to the status mapping), B Released | B            |
| `DOC-GONE`     | deleted: every endpoint answers 410                 | 410              |
| `DOC 011`, `DOC/012`, `ЧЕРТЕЖ-013`, `DOC?014#x%25` | A Released      | A                |
| `DOC-015`      | A/1 Superseded (by A/2), A/2 Released               | A/2              |

Then `PTE-0001`..`PTE-0300`, generated from a fixed seed, and the GEN family: any uid
`GEN-<digits>` exists without being stored (see `generated_document`).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Final

from enovia.simulators.facade.model import RELEASED_STATES, Document, Revision

DOC_SUPERSEDED_THEN_RELEASED: Final = "DOC-001"
DOC_RELEASED_THEN_IN_WORK: Final = "DOC-002"
DOC_TWO_RELEASED: Final = "DOC-003"
DOC_IN_WORK_ONLY: Final = "DOC-004"
DOC_OBSOLETE_THEN_FROZEN: Final = "DOC-005"
DOC_AFC: Final = "DOC-006"
DOC_ACCEPTED: Final = "DOC-007"
DOC_APPROVED: Final = "DOC-008"
DOC_RELEASED_SUPERSEDED_BY_AFC: Final = "DOC-009"
DOC_UNKNOWN_STATE: Final = "DOC-010"
DOC_GONE: Final = "DOC-GONE"
DOC_WITH_SPACE: Final = "DOC 011"
DOC_WITH_SLASH: Final = "DOC/012"
DOC_CYRILLIC: Final = "ЧЕРТЕЖ-013"
DOC_WITH_URL_CHARS: Final = "DOC?014#x%25"
DOC_SLASHED_REVISIONS: Final = "DOC-015"
# Guaranteed never to exist (not stored, not in the GEN family).
DOC_MISSING: Final = "DOC-MISSING"

# DOC-015's revision labels: the old one is superseded by the current one.
REV_SLASHED_OLD: Final = "A/1"
REV_SLASHED_CURRENT: Final = "A/2"

# The state DOC-010's revision A is in: not one of the seed's eight.
UNKNOWN_STATE: Final = "Cancelled"

HOSTILE_UIDS: Final = (DOC_WITH_SPACE, DOC_WITH_SLASH, DOC_CYRILLIC, DOC_WITH_URL_CHARS)

WELL_KNOWN_UIDS: Final = (
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_TWO_RELEASED,
    DOC_IN_WORK_ONLY,
    DOC_OBSOLETE_THEN_FROZEN,
    DOC_AFC,
    DOC_ACCEPTED,
    DOC_APPROVED,
    DOC_RELEASED_SUPERSEDED_BY_AFC,
    DOC_UNKNOWN_STATE,
    DOC_GONE,
    *HOSTILE_UIDS,
    DOC_SLASHED_REVISIONS,
)

CATALOGUE_SIZE: Final = 300
CATALOGUE_UIDS: Final = tuple(f"PTE-{n:04d}" for n in range(1, CATALOGUE_SIZE + 1))

# Every stored sample uid, in the order the store holds them (DOC-GONE included).
SAMPLE_UIDS: Final = WELL_KNOWN_UIDS + CATALOGUE_UIDS

GENERATED_PREFIX: Final = "GEN-"
# More digits than this is not a GEN uid (keeps int() cheap and far from its digit limit).
_GENERATED_MAX_DIGITS: Final = 30

DOCUMENT_TYPES: Final = ("Drawing", "Specification", "Calculation", "Model")

_CATALOGUE_SEED: Final = 20240115
_YEAR_START: Final = datetime(2024, 1, 2, 9, 0, tzinfo=UTC)


def generated_uid(n: int) -> str:
    """The uid of the GEN family's document number *n* (n >= 0)."""
    if n < 0:
        raise ValueError("a GEN document number is >= 0")
    return f"{GENERATED_PREFIX}{n}"


def _at(month: int, day: int, hour: int = 10, minute: int = 30) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


def _rev(
    label: str,
    state: str,
    pages: int,
    modified: datetime,
    *,
    released: datetime | None = None,
    superseded_by: str | None = None,
) -> Revision:
    return Revision(
        label=label,
        maturity_state=state,
        pages=pages,
        last_modified=modified,
        released_date=released,
        superseded_by=superseded_by,
    )


def _released(label: str, pages: int, when: datetime, state: str = "Released") -> Revision:
    """A revision released at *when* and not touched since."""
    return _rev(label, state, pages, when, released=when)


def _doc(
    uid: str,
    title: str,
    number: str,
    doc_type: str,
    created: datetime,
    revisions: list[Revision],
    *,
    deleted: bool = False,
) -> Document:
    updated = max([created, *(revision.last_modified for revision in revisions)])
    return Document(uid, title, number, doc_type, created, updated, revisions, deleted)


def _well_known_documents() -> list[Document]:
    jan15 = _at(1, 15)
    documents = [
        _doc(
            DOC_SUPERSEDED_THEN_RELEASED,
            "План этажа 1, оси А-Ж",
            "PTE-AR-0901",
            "Drawing",
            jan15,
            [
                _rev("A", "Superseded", 12, _at(3, 1), released=_at(1, 20), superseded_by="B"),
                _released("B", 14, _at(3, 1)),
            ],
        ),
        _doc(
            DOC_RELEASED_THEN_IN_WORK,
            "Plan of level 2, axes A-F",
            "PTE-AR-0902",
            "Drawing",
            jan15,
            [_released("A", 10, _at(2, 1)), _rev("B", "In Work", 11, _at(4, 10))],
        ),
        _doc(
            DOC_TWO_RELEASED,
            "Section 1-1",
            "PTE-AR-0903",
            "Drawing",
            jan15,
            # ENOVIA forgot to supersede A: it is still Released with supersededBy null.
            [_released("A", 4, _at(2, 5)), _released("B", 5, _at(5, 5))],
        ),
        _doc(
            DOC_IN_WORK_ONLY,
            "Specification of ventilation equipment",
            "PTE-OV-0904",
            "Specification",
            jan15,
            [_rev("A", "In Work", 7, _at(2, 20))],
        ),
        _doc(
            DOC_OBSOLETE_THEN_FROZEN,
            "Расчёт фундаментов Фм-1",
            "PTE-KR-0905",
            "Calculation",
            jan15,
            [
                _rev("A", "Obsolete", 22, _at(6, 1), released=_at(2, 10)),
                _rev("B", "Frozen", 23, _at(6, 15)),
            ],
        ),
        _doc(
            DOC_AFC,
            "Фасад в осях 1-12",
            "PTE-AR-0906",
            "Drawing",
            jan15,
            [_released("A", 3, _at(2, 12), "AFC")],
        ),
        _doc(
            DOC_ACCEPTED,
            "Model of building 1",
            "PTE-AR-0907",
            "Model",
            jan15,
            [_released("A", 1, _at(2, 14), "Accepted")],
        ),
        _doc(
            DOC_APPROVED,
            "Спецификация арматуры Км-2",
            "PTE-KR-0908",
            "Specification",
            jan15,
            [_released("A", 6, _at(2, 16), "Approved")],
        ),
        _doc(
            DOC_RELEASED_SUPERSEDED_BY_AFC,
            "Roof plan",
            "PTE-AR-0909",
            "Drawing",
            jan15,
            [
                # Still Released although superseded: only supersededBy says it is not actual.
                _rev("A", "Released", 8, _at(7, 1), released=_at(3, 1), superseded_by="B"),
                _released("B", 9, _at(7, 1), "AFC"),
            ],
        ),
        _doc(
            DOC_UNKNOWN_STATE,
            "Схема водоснабжения В1",
            "PTE-VK-0910",
            "Drawing",
            jan15,
            [_rev("A", UNKNOWN_STATE, 2, _at(3, 10)), _released("B", 2, _at(3, 20))],
        ),
        _doc(
            DOC_GONE,
            "Withdrawn drawing",
            "PTE-AR-0999",
            "Drawing",
            jan15,
            [_released("A", 5, _at(2, 2))],
            deleted=True,
        ),
        _doc(
            DOC_WITH_SPACE,
            "Document with a space in its uid",
            "PTE-AR-0911",
            "Drawing",
            jan15,
            [_released("A", 2, _at(4, 1))],
        ),
        _doc(
            DOC_WITH_SLASH,
            "Document with a slash in its uid",
            "PTE-AR-0912",
            "Drawing",
            jan15,
            [_released("A", 2, _at(4, 2))],
        ),
        _doc(
            DOC_CYRILLIC,
            "Чертёж с кириллическим идентификатором",
            "PTE-AR-0913",
            "Drawing",
            jan15,
            [_released("A", 2, _at(4, 3))],
        ),
        _doc(
            DOC_WITH_URL_CHARS,
            "Document with ?, # and % in its uid",
            "PTE-AR-0914",
            "Drawing",
            jan15,
            [_released("A", 2, _at(4, 4))],
        ),
        _doc(
            DOC_SLASHED_REVISIONS,
            "Document with slashes in its revision labels",
            "PTE-AR-0915",
            "Drawing",
            jan15,
            [
                _rev(
                    REV_SLASHED_OLD,
                    "Superseded",
                    3,
                    _at(5, 1),
                    released=_at(4, 5),
                    superseded_by=REV_SLASHED_CURRENT,
                ),
                _released(REV_SLASHED_CURRENT, 3, _at(5, 1)),
            ],
        ),
    ]
    assert tuple(document.uid for document in documents) == WELL_KNOWN_UIDS
    return documents


# (type, discipline code, Russian title, English title); {level} {a} {b} {n} are filled in.
_TITLES: Final = (
    ("Drawing", "AR", "План этажа {level}, оси {a}-{b}", "Plan of level {level}, axis {a}-{b}"),
    ("Drawing", "AR", "Фасад в осях {n}-{m}", "Facade, axes {n}-{m}"),
    ("Drawing", "KR", "Разрез {n}-{n}", "Section {n}-{n}"),
    (
        "Drawing",
        "KR",
        "Схема армирования плиты на отм. +{level}.000",
        "Slab reinforcement, +{level}.000",
    ),
    (
        "Specification",
        "OV",
        "Спецификация оборудования ОВ, секция {n}",
        "HVAC equipment specification, section {n}",
    ),
    (
        "Specification",
        "EM",
        "Спецификация кабельной продукции, этаж {level}",
        "Cable schedule, level {level}",
    ),
    ("Calculation", "KR", "Расчёт фундамента Фм-{n}", "Foundation calculation F-{n}"),
    (
        "Calculation",
        "OV",
        "Расчёт теплопотерь, этаж {level}",
        "Heat loss calculation, level {level}",
    ),
    ("Model", "AR", "Модель здания, корпус {n}", "Building model, block {n}"),
    ("Model", "VK", "Модель сетей водоснабжения, корпус {n}", "Water supply model, block {n}"),
)
_AXES_RU: Final = "АБВГДЕЖИКЛМН"
_AXES_EN: Final = "ABCDEFGHJKLM"

# What the last revision of a catalogue document is, with weights.
_FINAL_STATES: Final = ("Released", "AFC", "Approved", "Accepted", "In Work", "Frozen", "Obsolete")
_FINAL_WEIGHTS: Final = (40, 15, 10, 8, 15, 5, 7)


def _catalogue_title(rng: random.Random) -> tuple[str, str, str]:
    doc_type, discipline, russian, english = rng.choice(_TITLES)
    in_russian = rng.random() < 0.5
    axes = _AXES_RU if in_russian else _AXES_EN
    first = rng.randrange(len(axes) - 3)
    n = rng.randint(1, 12)
    title = (russian if in_russian else english).format(
        level=rng.randint(1, 16),
        a=axes[first],
        b=axes[rng.randrange(first + 2, len(axes))],
        n=n,
        m=n + rng.randint(4, 12),
    )
    return title, doc_type, discipline


def _chain(
    labels: str, final_state: str, times: list[datetime], pages: list[int]
) -> list[Revision]:
    """A realistic revision chain ending in *final_state*.

    Released-family or Obsolete endings: every earlier revision is Superseded by the next.
    In Work or Frozen endings: the one before is still Released (the current one while the
    new revision is being worked on), the ones before that Superseded.
    """
    last = len(labels) - 1
    still_released = last - 1 if final_state in ("In Work", "Frozen") else -1
    revisions: list[Revision] = []
    for i, label in enumerate(labels):
        if i == last:
            if final_state in RELEASED_STATES:
                revisions.append(_released(label, pages[i], times[i], final_state))
            elif final_state == "Obsolete":
                withdrawn = times[i] + timedelta(days=12)
                revisions.append(_rev(label, "Obsolete", pages[i], withdrawn, released=times[i]))
            else:
                revisions.append(_rev(label, final_state, pages[i], times[i]))
        elif i == still_released:
            revisions.append(_released(label, pages[i], times[i]))
        else:
            revisions.append(
                _rev(
                    label,
                    "Superseded",
                    pages[i],
                    times[i + 1],
                    released=times[i],
                    superseded_by=labels[i + 1],
                )
            )
    return revisions


def _catalogue_documents() -> list[Document]:
    rng = random.Random(_CATALOGUE_SEED)  # noqa: S311 - sample data, not security
    documents = []
    for n, uid in enumerate(CATALOGUE_UIDS, start=1):
        title, doc_type, discipline = _catalogue_title(rng)
        count = rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
        created = _YEAR_START + timedelta(
            days=rng.randint(0, 180), hours=rng.randint(0, 8), minutes=rng.choice((0, 15, 30, 45))
        )
        # At most 20 + 3 * 40 days after creation: every date stays inside 2024.
        times = [created + timedelta(days=rng.randint(1, 20))]
        for _ in range(count - 1):
            times.append(times[-1] + timedelta(days=rng.randint(5, 40)))
        base_pages = rng.randint(1, 36)
        pages = [min(40, base_pages + rng.randint(0, 4)) for _ in range(count)]
        final_state = rng.choices(_FINAL_STATES, weights=_FINAL_WEIGHTS)[0]
        revisions = _chain("ABCD"[:count], final_state, times, pages)
        number = f"PTE-{discipline}-{n:04d}"
        documents.append(_doc(uid, title, number, doc_type, created, revisions))
    return documents


def sample_documents() -> list[Document]:
    """Fresh copies of every stored sample document, in `SAMPLE_UIDS` order."""
    return _well_known_documents() + _catalogue_documents()


def generated_number(uid: str) -> int | None:
    """n when *uid* is `GEN-<n>` (ASCII digits, leading zeros allowed), else None."""
    if not uid.startswith(GENERATED_PREFIX):
        return None
    digits = uid[len(GENERATED_PREFIX) :]
    if not digits or len(digits) > _GENERATED_MAX_DIGITS or not digits.isascii():
        return None
    if not digits.isdigit():
        return None
    return int(digits)


def generated_document(uid: str) -> Document | None:
    """The GEN family's document for *uid*, computed from n; None when *uid* is not one.

    Most are `A Superseded (by B), B Released`; by n % 10: 7 → only `A Released`;
    8 → `A, B Superseded, C AFC`; 9 → `A Released, B In Work` (latest is A).
    Nothing is stored, so any number of distinct GEN documents costs no memory.
    """
    n = generated_number(uid)
    if n is None:
        return None
    variant = n % 10
    created = _YEAR_START + timedelta(days=n % 180, minutes=n % 600)
    times = [created + timedelta(days=7 * i + 3) for i in range(3)]
    pages = [1 + (n + i) % 40 for i in range(3)]
    if variant == 7:
        revisions = _chain("A", "Released", times, pages)
    elif variant == 8:
        revisions = _chain("ABC", "AFC", times, pages)
    elif variant == 9:
        revisions = _chain("AB", "In Work", times, pages)
    else:
        revisions = _chain("AB", "Released", times, pages)
    doc_type = DOCUMENT_TYPES[n % len(DOCUMENT_TYPES)]
    return _doc(uid, f"Generated document {n}", f"GEN-{n:06d}", doc_type, created, revisions)
