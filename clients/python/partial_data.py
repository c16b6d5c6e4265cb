"""An operation's typed data and its field errors together, so that partial data is not lost.

The generated `GatewayClient` raises `GraphQLClientGraphQLMultiError` on any GraphQL error, even
when the response carries data too: `documents(uids:)` answers each document it found and, for
each one it could not, a null entry and an error (`NOT_FOUND`, `BAD_USER_INPUT`, ...).
`with_errors` runs one of the client's operations and returns both, the data as the operation's
own typed model:

    result = await with_errors(gateway.document_list, uids=["DOC-001", "DOC-MISSING"])
    result.data.documents[0].latest_revision.revision      # "B"
    result.data.documents[1]                               # None
    result.error_for("documents", 1).extensions["code"]    # "NOT_FOUND"

Hand-written, not generated: ariadne-codegen copies clients/python/partial_data.py into the
package (`files_to_include` in pyproject.toml); edit that file, then regenerate.
"""

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar, cast

from pydantic import BaseModel

from .exceptions import GraphQLClientGraphQLError, GraphQLClientGraphQLMultiError

ResultT = TypeVar("ResultT", bound=BaseModel)
Params = ParamSpec("Params")


@dataclass(frozen=True)
class DataAndErrors(Generic[ResultT]):
    """What an operation answered: `data`, its typed result, in which a field that failed is
    None, and `errors`, one per failed field, in the response's order (empty when every field
    answered)."""

    data: ResultT
    errors: tuple[GraphQLClientGraphQLError, ...] = ()

    def error_for(self, *path: str | int) -> GraphQLClientGraphQLError | None:
        """The first error at *path* or below it, e.g. `error_for("documents", 1)` for the
        second document of `documents(uids:)`; None when nothing there failed. Below counts: a
        non-null field that fails nulls the nearest nullable field above it, so an error under
        a null entry is why it is null."""
        wanted = list(path)
        return next((e for e in self.errors if (e.path or [])[: len(wanted)] == wanted), None)


async def with_errors(
    operation: Callable[Params, Awaitable[ResultT]],
    /,
    *args: Params.args,
    **kwargs: Params.kwargs,
) -> DataAndErrors[ResultT]:
    """Run *operation*, a method of the generated client such as `gateway.document_list`, with
    its arguments; return its typed data and the field errors together.

    Raises what the client raises when there is no data to return: the
    `GraphQLClientGraphQLMultiError` of a response whose `data` is null (a request error, or a
    failed non-null root field), HTTP and malformed-response errors. `TypeError` when
    *operation* is not annotated to return a model."""
    model = result_model(operation)
    try:
        return DataAndErrors(await operation(*args, **kwargs))
    except GraphQLClientGraphQLMultiError as failure:
        if failure.data is None:
            raise
        return DataAndErrors(model.model_validate(failure.data), tuple(failure.errors))


def result_model(operation: Callable[..., Awaitable[ResultT]]) -> type[ResultT]:
    """The model *operation* returns, read from its annotation (each generated operation
    returns the model of its own result, e.g. `DocumentList`)."""
    returns: Any = inspect.signature(operation, eval_str=True).return_annotation
    if not (isinstance(returns, type) and issubclass(returns, BaseModel)):
        raise TypeError(f"{operation!r} is not annotated to return a pydantic model")
    return cast(type[ResultT], returns)
