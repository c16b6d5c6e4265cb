"""Typed ENOVIA answers: the seed's JSON shapes, validated strictly, extra fields ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal, TypeVar, get_args

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from enovia._errors import UpstreamBadResponse

#: The PTE-QR business statuses an upstream's own state table may map a state to (the
#: schema's `BusinessStatusCode` has the same names).
StatusCode = Literal[
    "APPROVED_FOR_CONSTRUCTION",
    "ACCEPTED_BY_CUSTOMER",
    "CHANGES_INTRODUCED_GET_NEW",
    "IN_WORK",
    "UNKNOWN",
]
STATUS_CODES: Final[tuple[str, ...]] = get_args(StatusCode)


class EnoviaModel(BaseModel):
    """Strict: a wrong type is an error, never coerced. Unknown fields are ignored."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", strict=True, alias_generator=to_camel, populate_by_name=True
    )


class Document(EnoviaModel):
    """`GET /api/v1/documents/{doc_uid}`."""

    id: str
    title: str | None = None
    number: str | None = None
    type: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Revision(EnoviaModel):
    """`GET /api/v1/documents/{doc_uid}/revisions/{revision}` and `.../revisions/latest`
    (the facade), or one version of a 3DEXPERIENCE version graph.

    `maturity_state` is kept exactly as ENOVIA gave it. `business_status` is what the
    upstream's own state table maps it to, where the upstream has one (3DEXPERIENCE); None
    means the seed's table applies (the schema's business). `pages` is None where the
    upstream keeps no page count.
    """

    id: str
    revision: str
    maturity_state: str
    released_date: datetime | None = None
    superseded_by: str | None = None
    last_modified: datetime | None = None
    pages: int | None = None
    business_status: StatusCode | None = None


class RevisionList(EnoviaModel):
    """Every revision of one document, oldest first (where the upstream can list them)."""

    revisions: tuple[Revision, ...]


class EnoviaHealth(BaseModel):
    """The seed's health result: `{"enovia": ..., "last_check": ..., "error": ...}`."""

    model_config = ConfigDict(frozen=True)

    enovia: Literal["healthy", "unhealthy"]
    last_check: datetime
    error: str | None = None


ModelT = TypeVar("ModelT", bound=EnoviaModel)


def parse_answer(model: type[ModelT], content: bytes, what: str) -> ModelT:
    """Validate ENOVIA's JSON `content` as `model`, or raise `UpstreamBadResponse`.

    The message names the first offending field and says what was wrong with it, but never
    repeats ENOVIA's body: it may hold anything.
    """
    try:
        return model.model_validate_json(content)
    except ValidationError as exc:
        raise UpstreamBadResponse(
            f"ENOVIA's {what} answer is malformed: {_describe(exc)}"
        ) from None


def json_object(content: bytes) -> dict[str, object] | None:
    """`content` as a JSON object, or None when it is not one (an upstream's error body may
    be anything)."""
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


def _describe(exc: ValidationError) -> str:
    first = exc.errors(include_input=False, include_url=False)[0]
    if first["type"] == "json_invalid":
        return "the body is not valid JSON"
    location = ".".join(str(part) for part in first["loc"])
    if not location:
        return first["msg"]
    return f"field '{location}': {first['msg']}"
