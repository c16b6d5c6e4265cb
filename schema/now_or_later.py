"""Resolving from loads that may already be done: the warm path needs no coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def when_loaded(pending: asyncio.Future[T], convert: Callable[[T], R]) -> R:
    """`convert` of the loaded value: returned at once when the load is done (a cache hit),
    else as an awaitable that graphql-core awaits. Typed as `R` for the schema's sake: a
    resolver's annotation is its GraphQL type, and graphql-core accepts either."""
    if pending.done():
        return convert(pending.result())
    return cast(R, _later(pending, convert))


async def _later(pending: Awaitable[Any], convert: Callable[[Any], R]) -> R:
    return convert(await pending)


def then(value: T | Awaitable[T], convert: Callable[[T], R]) -> R:
    """`convert` of a value that may still be pending (see `when_loaded`)."""
    if isinstance(value, Awaitable):
        return cast(R, _later(value, convert))
    return convert(value)
