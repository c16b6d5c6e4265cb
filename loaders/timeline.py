"""The one clock that every freshness decision of a deployment is read from.

Ages are differences of stamps, so the stamps must come from one clock: a wall clock of each
host would let a replica whose clock is behind (NTP skew) see another replica's fresh entry
as younger than it is, and a wall clock stepping back would do the same within one process.
The timeline is a monotonic clock (which never steps) moved onto a reference clock: the host's
wall clock as it was at start-up for a process on its own, Redis's `TIME` for replicas that
share a Redis, so that all of them read the same time within the error of one round trip.

Two readings keep that error on the safe side: `early()` stamps when a fetch was sent (no
later than the truth, so an entry never looks younger than it is) and `late()` stamps when a
request began or an invalidation happened (no earlier than the truth).
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: How far a new alignment may move the timeline without a word: beyond it, entries stamped
#: before may look younger than they are, and whoever holds such entries drops them.
ALIGNMENT_TOLERANCE = 0.005


class Timeline:
    """Seconds since the epoch on the deployment's reference clock, with a bounded error.

    `monotonic` and `wall` are for tests; `wall` is read once, to start at the host's time.
    """

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._monotonic = monotonic
        offset = wall() - monotonic()
        self._low = offset
        self._high = offset
        #: Whether the timeline follows a shared reference clock (see `align`).
        self.aligned = False

    def early(self) -> float:
        """Now, at the earliest: for stamping when a fetch was sent."""
        return self._monotonic() + self._low

    def late(self) -> float:
        """Now, at the latest: for when a request began and for measuring ages."""
        return self._monotonic() + self._high

    def align(self, reference: float, before: float, after: float) -> bool:
        """Follow a reference clock that read `reference` seconds at some moment between the
        local readings `before` and `after` (of `time.monotonic`, this timeline's clock).
        Returns True when the timeline moved by more than `ALIGNMENT_TOLERANCE`: stamps taken
        before are then on another footing, and their holders must drop them."""
        low, high = reference - after, reference - before
        moved = abs(low - self._low) > ALIGNMENT_TOLERANCE or (
            abs(high - self._high) > ALIGNMENT_TOLERANCE
        )
        self._low, self._high = low, high
        self.aligned = True
        return moved
