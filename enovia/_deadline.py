"""The current request's deadline, carried in a context variable to every ENOVIA call it makes.

A deadline bounds everything a request waits for: each attempt's timeout is cut to the time
left, and no retry starts that could not finish in time. Tasks started while a deadline is
set (dataloader batches, a shared fetch) inherit it with the context.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("enovia_deadline", default=None)


@contextmanager
def deadline_after(seconds: float | None) -> Iterator[None]:
    """Within the block, calls must end `seconds` from now (None: no deadline)."""
    if seconds is None:
        yield
        return
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds until the current deadline (never negative), or None without one."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())
