"""The platform's lifecycle states as PTE-QR business statuses (`TDX_STATE_MAP`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, cast

from enovia._models import STATUS_CODES, StatusCode

#: The statuses of the released family: a revision in one of them is released (it can be
#: the latest released revision, and it supersedes the revisions it was made from).
RELEASED_FAMILY: Final = frozenset({"APPROVED_FOR_CONSTRUCTION", "ACCEPTED_BY_CUSTOMER"})

#: 3DEXPERIENCE's maturity states (the Document Release and VPLM policies name them alike),
#: the state names of ENOVIA V6's Document Release policy that older data still holds, and
#: the facade's names, mapped as the facade maps them (docs/3dexperience.md, "Lifecycle
#: states"). A site's own states come in through `StateTable.with_overrides`.
DEFAULT_STATES: Final[Mapping[str, StatusCode]] = MappingProxyType(
    {
        "PRIVATE": "IN_WORK",
        "IN_WORK": "IN_WORK",
        "FROZEN": "IN_WORK",
        "RELEASED": "APPROVED_FOR_CONSTRUCTION",
        "OBSOLETE": "CHANGES_INTRODUCED_GET_NEW",
        "Preliminary": "IN_WORK",
        "Review": "IN_WORK",
        "Release": "APPROVED_FOR_CONSTRUCTION",
        "Obsolete": "CHANGES_INTRODUCED_GET_NEW",
        "Released": "APPROVED_FOR_CONSTRUCTION",
        "AFC": "APPROVED_FOR_CONSTRUCTION",
        "Accepted": "ACCEPTED_BY_CUSTOMER",
        "Approved": "ACCEPTED_BY_CUSTOMER",
        "Superseded": "CHANGES_INTRODUCED_GET_NEW",
        "In Work": "IN_WORK",
        "Frozen": "IN_WORK",
    }
)

UNKNOWN: Final[StatusCode] = "UNKNOWN"


class StateTable:
    """Maps a `maturityState` to a business status; immutable.

    States are matched exactly as the platform spells them. A state the table does not hold
    is tried again without its policy prefix (`Document Release.RELEASED` → `RELEASED`), so
    that the table need not list every policy; an override may still name the prefixed form
    to map one policy's state differently. Anything else is UNKNOWN, never an error.
    """

    __slots__ = ("_statuses",)

    def __init__(self, statuses: Mapping[str, StatusCode]) -> None:
        self._statuses: Mapping[str, StatusCode] = MappingProxyType(dict(statuses))

    @classmethod
    def default(cls) -> StateTable:
        return cls(DEFAULT_STATES)

    def with_overrides(self, overrides: Mapping[str, str]) -> StateTable:
        """This table with `overrides` (state → status code name) laid over it.

        Raises ValueError naming the offending entry: an empty state, or a code that is not
        one of the business statuses.
        """
        merged = dict(self._statuses)
        for state, code in overrides.items():
            if not state.strip():
                raise ValueError("a lifecycle state in the state map must not be empty")
            if code not in STATUS_CODES:
                raise ValueError(
                    f"the state map maps {state!r} to {code!r}, which is not one of "
                    f"{', '.join(STATUS_CODES)}"
                )
            merged[state] = cast(StatusCode, code)
        return StateTable(merged)

    def status(self, maturity_state: str) -> StatusCode:
        found = self._statuses.get(maturity_state)
        if found is not None:
            return found
        _, dot, bare = maturity_state.rpartition(".")
        if dot:
            return self._statuses.get(bare, UNKNOWN)
        return UNKNOWN

    def is_released(self, maturity_state: str) -> bool:
        """Whether the state is in the released family."""
        return self.status(maturity_state) in RELEASED_FAMILY

    def as_dict(self) -> dict[str, StatusCode]:
        return dict(self._statuses)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StateTable) and dict(self._statuses) == dict(other._statuses)

    def __hash__(self) -> int:
        return hash(frozenset(self._statuses.items()))

    def __repr__(self) -> str:
        return f"StateTable({dict(self._statuses)!r})"
