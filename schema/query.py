"""The Query root: thin resolvers that ask the request's loaders and build the types."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, cast

import strawberry

import enovia
from loaders import Absence, Loaded, RequestLoaders, worst
from schema import status
from schema.context import Info
from schema.errors import BadUserInput
from schema.freshness_plan import declare_max_ages
from schema.lookahead import selects
from schema.now_or_later import when_loaded
from schema.types.actuality import Actuality
from schema.types.business_status import business_status_of
from schema.types.document import Document
from schema.types.health import Health
from schema.types.identifiers import DocumentUid, DocumentUids, RevisionLabel
from schema.types.revision import Revision
from schema.types.revision_ref import RevisionRef
from schema.verdicts import with_latest, without_latest

#: The fields of a `Revision` that need the verdict on it, so ENOVIA's latest revision too.
VERDICT_FIELDS = ("isActual", "businessStatus")

#: `maxAge`, of `actuality` and of `actualities`.
MAX_AGE = (
    "How old, in seconds, the ENOVIA data behind the verdict may be when the request "
    "begins, counted from when the gateway sent the ENOVIA request for it. 0 asks ENOVIA "
    "now (sharing only an identical request sent at most GATEWAY_SHARE_WINDOW seconds "
    "before this one began). Omitted or null: GATEWAY_ACTUALITY_MAX_AGE, which is 0 unless "
    "the deployment sets it. Negative: BAD_USER_INPUT."
)


@strawberry.type(
    description=(
        "What can be read: documents, their revisions, the QR-scan verdict on a revision "
        "(actuality, actualities) and ENOVIA's health. Every document, revision and verdict "
        "says how fresh it is (freshness, checkedAt). A field that fails is null with an "
        "error whose extensions.code says why (BAD_USER_INPUT, NOT_FOUND, GONE, "
        "UPSTREAM_UNAVAILABLE, ...); the other fields still answer."
    )
)
class Query:
    @strawberry.field(
        description=(
            "One document by the uid its QR code carries; null, with a NOT_FOUND error when "
            "ENOVIA has no such document or a GONE error when ENOVIA deleted it."
        )
    )
    def document(self, info: Info, uid: DocumentUid) -> Document | None:
        enovia.checked_uid(uid)
        declare_max_ages(info)
        loaders = info.context.loaders
        if _needs_latest(info):
            loaders.latest(uid)  # starts now, so both calls share one round trip
        return when_loaded(loaders.document(uid), lambda loaded: Document.of(uid, loaded))

    @strawberry.field(
        description=(
            "Many documents at once, one entry per uid in the order asked: a null entry, with "
            "its error at that index, for a uid that is malformed, missing, deleted or could "
            "not be loaded; the others still answer. At most GATEWAY_MAX_BATCH uids."
        )
    )
    def documents(self, info: Info, uids: DocumentUids) -> list[Document | None]:
        # At most GATEWAY_MAX_BATCH uids: `schema.limits` refuses more before anything runs.
        declare_max_ages(info)
        loaders = info.context.loaders
        with_latest = _needs_latest(info)
        pending: list[Pending] = []
        for uid in uids:
            try:
                enovia.checked_uid(uid)
            except enovia.InvalidIdentifier as exc:
                pending.append(exc)
                continue
            if with_latest:
                loaders.latest(uid)
            pending.append(loaders.document(uid))
        if all(isinstance(item, Exception) or item.done() for item in pending):
            return [_document_or_error(uid, item) for uid, item in zip(uids, pending, strict=True)]
        return cast(list[Document | None], _documents_later(uids, pending))

    @strawberry.field(
        description=(
            "The QR-scan check: is this revision of this document the one to build from? "
            "isActual is true only when reason is CURRENT. Null, with a BAD_USER_INPUT error, "
            "for a malformed uid, revision or maxAge; null with an UPSTREAM_* error when ENOVIA "
            "could not answer and nothing cached can stand in. A document or revision ENOVIA "
            "does not have is a verdict (DOCUMENT_NOT_FOUND, REVISION_NOT_FOUND), not an error."
        )
    )
    async def actuality(
        self,
        info: Info,
        uid: DocumentUid,
        revision: RevisionLabel,
        max_age: Annotated[int | None, strawberry.argument(description=MAX_AGE)] = strawberry.UNSET,
    ) -> Actuality | None:
        enovia.checked_uid(uid)
        enovia.checked_revision(revision)
        max_age = _max_age(info, max_age)
        declare_max_ages(info)
        verdict = await check_actuality(info, uid, revision, max_age, selects(info, "document"))
        report_answer(info, verdict)
        return verdict

    @strawberry.field(
        description=(
            "A drawing set at once: one verdict per item, in the order asked (a null entry, "
            "with its error, for an item that could not be checked). Each verdict follows "
            "every rule of actuality. Duplicates and items of one document share their "
            "ENOVIA calls, and all go out together. At most GATEWAY_MAX_BATCH items."
        )
    )
    async def actualities(
        self,
        info: Info,
        items: Annotated[
            list[RevisionRef],
            strawberry.argument(
                description=(
                    "The sheets to check, each a document uid and a revision label as its "
                    "QR code carries them. At most GATEWAY_MAX_BATCH (100 by default); more "
                    "is BAD_USER_INPUT before anything is asked."
                )
            ),
        ],
        max_age: Annotated[
            int | None,
            strawberry.argument(description=MAX_AGE + " The same for every item."),
        ] = strawberry.UNSET,
    ) -> list[Actuality | None]:
        # At most GATEWAY_MAX_BATCH items: `schema.limits` refuses more before anything runs.
        max_age = _max_age(info, max_age)
        declare_max_ages(info)
        with_document = selects(info, "document")
        checks: list[Any] = []
        for item in items:
            try:
                enovia.checked_uid(item.uid)
                enovia.checked_revision(item.revision)
            except enovia.InvalidIdentifier as exc:
                checks.append(_failed(exc))  # this entry only; the others are still checked
                continue
            # Each check starts its loads before the first awaits: all go out together.
            checks.append(
                asyncio.ensure_future(
                    check_actuality(info, item.uid, item.revision, max_age, with_document)
                )
            )
        verdicts: list[Any] = list(await asyncio.gather(*checks, return_exceptions=True))
        for verdict in verdicts:
            if isinstance(verdict, Actuality):
                report_answer(info, verdict)
        return verdicts

    @strawberry.field(
        description=(
            "ENOVIA's health: the gateway's last check of ENOVIA when it is less than 5 "
            "seconds old, else a check made now (requests at the same moment share one). "
            "Besides, the gateway checks ENOVIA in the background every "
            "GATEWAY_HEALTH_CHECK_INTERVAL seconds (30 by default; 0: only when asked)."
        )
    )
    async def health(self, info: Info) -> Health:
        return await info.context.health()


Pending = asyncio.Future[Loaded[enovia.Document]] | enovia.InvalidIdentifier


def _max_age(info: Info, max_age: int | None) -> int:
    """The request's `maxAge`: as given, else GATEWAY_ACTUALITY_MAX_AGE; never negative."""
    if max_age is None or max_age is strawberry.UNSET:
        return info.context.actuality_max_age
    if max_age < 0:
        raise BadUserInput(f"maxAge must be 0 or more seconds, not {max_age}")
    return max_age


async def check_actuality(
    info: Info, uid: str, revision: str, max_age: float, with_document: bool
) -> Actuality:
    """The verdict on revision `revision` of document `uid`. Everything it may need is asked
    for before the first wait, so that it all goes out together: one ENOVIA round trip."""
    loaders = info.context.loaders
    loaders.require_max_age(uid, max_age)  # declared already; said again for safety's sake
    asked = loaders.revision(uid, revision)
    latest = loaders.latest(uid)
    if with_document:
        loaders.document(uid, max_age)
    return await _verdict(loaders, uid, await asked, latest, max_age)


def report_answer(info: Info, verdict: Actuality) -> None:
    """Tell the observer of a verdict that goes out (counted by `answer_freshness`)."""
    observer = info.context.observer
    if observer is not None:
        observer.actuality_answered(answer_freshness(verdict))


def answer_freshness(verdict: Actuality) -> str:
    """The verdict's freshness (LIVE, CACHED, STALE), or UNCONFIRMED when stale data would
    have made it CURRENT: what operators watch the share of (an UNCONFIRMED is a scan that
    could not say "build from it")."""
    if verdict.reason is status.ActualityReason.UNCONFIRMED:
        return "UNCONFIRMED"
    return verdict.freshness.value


async def _failed(error: Exception) -> Any:
    """An entry that failed before anything was asked: graphql-core turns the exception in a
    list into an error at its index."""
    return error


def _document_or_error(uid: str, item: Pending) -> Any:
    """A list entry of a done load: graphql-core turns an exception in a list into an error
    at its index, so a missing document fails its entry only."""
    if isinstance(item, Exception):
        return item
    try:
        return Document.of(uid, item.result())
    except Exception as exc:  # kept to this entry; the others still answer
        return exc


async def _documents_later(uids: list[strawberry.ID], pending: list[Pending]) -> list[Any]:
    await asyncio.wait([item for item in pending if isinstance(item, asyncio.Future)])
    return [_document_or_error(uid, item) for uid, item in zip(uids, pending, strict=True)]


def _needs_latest(info: Info) -> bool:
    """Whether a document's selection will need its latest released revision: for the field
    itself, or for the verdict on a revision (its isActual or businessStatus)."""
    return selects(info, "latestRevision") or selects(info, "revision", within=VERDICT_FIELDS)


async def _verdict(
    loaders: RequestLoaders,
    uid: str,
    asked: Loaded[enovia.Revision],
    latest_pending: asyncio.Future[Loaded[enovia.Revision]],
    max_age: float,
) -> Actuality:
    parts: list[Loaded[object]] = [asked]  # type: ignore[list-item]
    revision = asked.value
    if revision is None:
        document_exists = False
        if asked.absence is not Absence.GONE:
            document = await loaders.document(uid, max_age)
            parts.append(document)  # type: ignore[arg-type]
            document_exists = document.value is not None
        verdict = status.verdict(None, None, document_exists=document_exists)
    elif status.needs_latest(revision):
        latest = await latest_pending  # an unavailable ENOVIA here means: could not tell
        parts.append(latest)  # type: ignore[arg-type]
        verdict = with_latest(uid, asked, latest)
    else:
        verdict = without_latest(asked)
    return Actuality(
        is_actual=verdict.is_actual,
        reason=verdict.reason,
        last_known_reason=verdict.last_known_reason,
        business_status=business_status_of(verdict.status),
        revision=Revision.of(uid, asked) if revision is not None else None,
        checked_at=min(part.checked_at for part in parts),
        freshness=worst(*(part.freshness for part in parts)),
        uid=uid,
    )
