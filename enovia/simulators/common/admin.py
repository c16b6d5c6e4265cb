"""The admin API's dispatch under `/_sim`, and the helpers its handlers read JSON bodies with.

Both simulators' admin APIs answer the same way: JSON in and out; faults never apply there,
and their calls are not counted in the stats. Each has, besides its own endpoints,

    GET    /_sim/             {"endpoints": [...]}
    GET    /_sim/stats        the stats (see `CallStats.snapshot`)
    GET    /_sim/requests     the last calls with their headers (see `CallStats.recent`)
    POST   /_sim/reset        {"reset": true}
    GET    /_sim/faults       the current faults (see `SharedFaults.as_json`)
    POST   /_sim/faults       merge a partial update; answers the new faults

404 `not_found` for no such endpoint, 405 naming the methods a path takes, 413 past
ADMIN_BODY_LIMIT; bad input answers 400 `{"error": "bad_request", "message": ...}` naming
the offending key; a refused document change answers its StoreError.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import orjson
from starlette.types import Receive, Scope, Send

from enovia.simulators.common.asgi import (
    Answer,
    BodyTooLarge,
    error_answer,
    json_answer,
    method_not_allowed,
    read_body,
)
from enovia.simulators.common.errors import StoreError
from enovia.simulators.common.faults import FaultError
from enovia.simulators.common.routing import scope_segments
from enovia.simulators.common.state import SimulatorCore

ADMIN_BODY_LIMIT: Final = 1024 * 1024

_NO_ENDPOINT: Final = error_answer(404, "not_found", "No such admin endpoint")

StateT = TypeVar("StateT", bound=SimulatorCore[Any, Any])
RequestT = TypeVar("RequestT")

# The handler of each method a path takes, and the path's identifiers.
Route = tuple[dict[str, Callable[[RequestT], Answer]], tuple[str, ...]]


class AdminError(Exception):
    """A request the admin API refuses with 400."""


@dataclass(frozen=True, slots=True)
class AdminCall:
    """An admin request as it arrived: its scope, its whole body, the path's identifiers."""

    scope: Scope
    body: bytes
    ids: tuple[str, ...]


def json_object(body: bytes) -> dict[str, object]:
    """*body* parsed as a JSON object. Raises AdminError when it is not one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise AdminError("the body is not valid JSON") from error
    if not isinstance(data, dict):
        raise AdminError("the body must be a JSON object")
    return data


def check_keys(data: Mapping[str, object], *allowed: str) -> None:
    """Raise AdminError naming the first key of *data* not in *allowed*."""
    for key in data:
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            raise AdminError(f"unknown key {key!r}; known: {known}")


def text(data: Mapping[str, object], key: str, default: str | None = None) -> str:
    """`data[key]` (else *default*), which must be a non-empty string."""
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise AdminError(f"{key} must be a non-empty string")
    return value


def flag(data: Mapping[str, object], key: str) -> bool:
    """`data[key]` (false when absent), which must be true or false."""
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise AdminError(f"{key} must be true or false")
    return value


class BaseAdminApi(ABC, Generic[StateT, RequestT]):
    """ASGI app for everything below `/_sim`, over one simulator's state.

    A simulator's admin API routes its own paths (`_own_route`), turns each call into what
    its handlers take (`_request`) and says where a fault update is (`_fault_update`); the
    stats, reset and faults endpoints and the dispatch are this class's.
    """

    def __init__(self, state: StateT, endpoints: tuple[str, ...]) -> None:
        self._state = state
        self._endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = await self._answer(scope, receive)
        if answer is not None:
            await answer.send(send)

    async def _answer(self, scope: Scope, receive: Receive) -> Answer | None:
        route = self._route(scope_segments(scope))
        if route is None:
            return _NO_ENDPOINT
        handlers, ids = route
        handler = handlers.get(scope["method"])
        if handler is None:
            return method_not_allowed(tuple(handlers))
        try:
            body = await read_body(receive, ADMIN_BODY_LIMIT)
        except BodyTooLarge:
            return error_answer(413, "bad_request", "body too large")
        if body is None:
            return None
        try:
            return handler(self._request(AdminCall(scope, body, ids)))
        except (AdminError, FaultError) as error:
            return error_answer(400, "bad_request", str(error))
        except StoreError as error:
            return error_answer(error.status, error.error, error.message)

    def _route(self, segments: tuple[str, ...]) -> Route[RequestT] | None:
        match segments:
            case () | ("",):
                return {"GET": self._index}, ()
            case ("stats",):
                return {"GET": self._stats}, ()
            case ("requests",):
                return {"GET": self._requests}, ()
            case ("reset",):
                return {"POST": self._reset}, ()
            case ("faults",):
                return {"GET": self._get_faults, "POST": self._set_faults}, ()
        return self._own_route(segments)

    @abstractmethod
    def _own_route(self, segments: tuple[str, ...]) -> Route[RequestT] | None:
        """The handlers and identifiers of a path of the simulator's own, or None."""

    @abstractmethod
    def _request(self, call: AdminCall) -> RequestT:
        """What the handlers take; may raise AdminError (a 400)."""

    @abstractmethod
    def _fault_update(self, request: RequestT) -> object:
        """The JSON fault update `POST /_sim/faults` carries."""

    def _index(self, request: RequestT) -> Answer:
        return json_answer(200, {"endpoints": list(self._endpoints)})

    def _stats(self, request: RequestT) -> Answer:
        return json_answer(200, self._state.stats.snapshot())

    def _requests(self, request: RequestT) -> Answer:
        return json_answer(200, self._state.stats.recent())

    def _reset(self, request: RequestT) -> Answer:
        self._state.reset()
        return json_answer(200, {"reset": True})

    def _get_faults(self, request: RequestT) -> Answer:
        return json_answer(200, self._state.faults.as_json())

    def _set_faults(self, request: RequestT) -> Answer:
        faults = self._state.update_faults(self._fault_update(request))
        return json_answer(200, faults.as_json())
