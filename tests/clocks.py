"""A clock for tests: monotonic seconds that move only when the test moves them."""

from __future__ import annotations


class FakeClock:
    """Read by calling it, as `time.monotonic` is; moved with `advance` or by setting `now`
    (a float assignment is atomic, so a server thread may read it meanwhile)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
