"""The Subscription root: verdicts and documents pushed as ENOVIA changes.

Each subscription watches the ENOVIA resources its answer depends on (`loaders.Watches`: one
poll per resource per interval for the whole deployment) and builds its answer again each
time a check of its document lands, with fresh loaders, under the same rules as a query. An
answer is sent only when it differs from the last one sent: its verdict (or document data),
not when the data was checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Hashable
from typing import Any

import strawberry

import enovia
from loaders import Kind, Loaded, Resource, Watches
from schema.context import Info, OperationObserver
from schema.errors import BadUserInput
from schema.lookahead import selects
from schema.query import check_actuality, report_answer
from schema.types.actuality import Actuality
from schema.types.document import Document
from schema.types.identifiers import DocumentUid, DocumentUids, RevisionLabel

ACTUALITY_CHANGED = "actualityChanged"
DOCUMENT_CHANGED = "documentChanged"

#: Why a subscription's event is built without asking ENOVIA.
WATCHER_FAILED = "ENOVIA did not answer the gateway's last check of this document"


@strawberry.type(
    description=(
        "Answers pushed as ENOVIA changes, over the graphql-transport-ws protocol on /graphql. "
        "The gateway checks what is subscribed every GATEWAY_WATCH_INTERVAL seconds (30 by "
        "default; once for all subscribers), and at once when told of a change (the "
        "invalidation API)."
    )
)
class Subscription:
    @strawberry.subscription(
        description=(
            "The verdict on revision `revision` of document `uid` (as `actuality` gives it): "
            "first the verdict now, then a new one each time the verdict or its reason "
            "changes, within one watch interval of the change. While ENOVIA cannot be reached "
            "the verdict is UNCONFIRMED, sent once, until ENOVIA answers again."
        )
    )
    async def actuality_changed(
        self, info: Info, uid: DocumentUid, revision: RevisionLabel
    ) -> AsyncGenerator[Actuality, None]:
        enovia.checked_uid(uid)
        enovia.checked_revision(revision)
        watches = _watches(info)
        with_document = selects(info, "document")
        resources = [Resource(Kind.REVISION, uid, revision), Resource(Kind.LATEST, uid)]
        if with_document:
            resources.append(Resource(Kind.DOCUMENT, uid))
        watch = watches.watch(resources)
        observer = _opened(info, ACTUALITY_CHANGED)
        try:
            sent: Hashable = None
            answered: bool | None = None  # None: the first event, the verdict now
            while True:
                info.context.renew_loaders(_offline(answered))
                max_age = _max_age(watches, answered, info.context.actuality_max_age)
                assert max_age is not None
                try:
                    event: Any = await check_actuality(info, uid, revision, max_age, with_document)
                    signature: Hashable = (
                        event.reason,
                        event.last_known_reason,
                        event.business_status.code,
                    )
                except enovia.EnoviaError as error:
                    event, signature = error, (type(error), error.message)
                if signature != sent:
                    sent = signature
                    if observer is not None:
                        observer.subscription_event(ACTUALITY_CHANGED)
                    if isinstance(event, Actuality):
                        report_answer(info, event)
                    yield event
                answered = (await watch.next())[-1].answered
        finally:
            watch.close()
            if observer is not None:
                observer.subscription_closed(ACTUALITY_CHANGED)

    @strawberry.subscription(
        description=(
            "Documents `uids` as they change: first each document now, then a document each "
            "time its data or its latest released revision changes in ENOVIA, within one "
            "watch interval. At most GATEWAY_MAX_BATCH uids."
        )
    )
    async def document_changed(
        self, info: Info, uids: DocumentUids
    ) -> AsyncGenerator[Document, None]:
        # At most GATEWAY_MAX_BATCH uids: `schema.limits` refuses more before anything runs.
        for uid in uids:
            enovia.checked_uid(uid)
        watches = _watches(info)
        wanted: list[str] = list(dict.fromkeys(str(uid) for uid in uids))
        watch = watches.watch(
            resource
            for uid in wanted
            for resource in (Resource(Kind.DOCUMENT, uid), Resource(Kind.LATEST, uid))
        )
        observer = _opened(info, DOCUMENT_CHANGED)
        try:
            sent: dict[str, Hashable] = {}
            batches: list[tuple[list[str], bool | None]] = [(wanted, None)]
            while True:
                for batch, answered in batches:
                    async for key, event, signature in _documents(info, watches, batch, answered):
                        if sent.get(key) != signature:
                            sent[key] = signature
                            if observer is not None:
                                observer.subscription_event(DOCUMENT_CHANGED)
                            yield event
                checks = await watch.next()
                # Those ENOVIA answered, then those it did not (built without asking it).
                batches = [
                    ([c.uid for c in checks if c.answered is outcome], outcome)
                    for outcome in (True, False)
                    if any(c.answered is outcome for c in checks)
                ]
        finally:
            watch.close()
            if observer is not None:
                observer.subscription_closed(DOCUMENT_CHANGED)


async def _documents(
    info: Info, watches: Watches, uids: list[str], answered: bool | None
) -> AsyncGenerator[tuple[str, Any, Hashable], None]:
    """Each document of `uids` with its signature (its data and its latest released
    revision's), loaded together; an error in place of a document that failed. `answered`
    is whether ENOVIA answered the check they follow (None: the first event)."""
    # The documents of one batch share loaders: one value per resource, one round trip.
    loaders = info.context.renew_loaders(_offline(answered))
    max_age = _max_age(watches, answered, None)
    loads: list[tuple[str, asyncio.Future[Loaded[Any]], asyncio.Future[Loaded[Any]]]] = []
    for uid in uids:
        if max_age is not None:
            loaders.require_max_age(uid, max_age, document=True)
        loads.append((uid, loaders.document(uid), loaders.latest(uid)))
    await asyncio.wait([future for _, *futures in loads for future in futures])
    for uid, document, latest in loads:
        try:
            loaded, newest = document.result(), latest.result()
            event: Any = Document.of(uid, loaded)
            signature: Hashable = (loaded.value, loaded.absence, newest.value, newest.absence)
        except enovia.EnoviaError as error:
            event, signature = error, (type(error), error.message)
        yield uid, event, signature


def _watches(info: Info) -> Watches:
    watches = info.context.watches
    if watches is None:
        raise BadUserInput(
            "subscriptions are served over WebSocket (graphql-transport-ws) on /graphql"
        )
    return watches


def _opened(info: Info, field: str) -> OperationObserver | None:
    observer = info.context.observer
    if observer is not None:
        observer.subscription_opened(field)
    return observer


def _offline(answered: bool | None) -> str | None:
    """Why the event is built without asking ENOVIA: its check was not answered."""
    return WATCHER_FAILED if answered is False else None


def _max_age(watches: Watches, answered: bool | None, first: float | None) -> float | None:
    """How old the data behind an event may be: for the first event, what a query would
    allow (`first`; None: the kind's time to live); after a check ENOVIA answered, twice the
    watch interval (the watchers keep it at most one interval old; twice lets a poll land
    late); after one it did not, 0, so that cached data is labelled STALE."""
    if answered is None:
        return first
    return 2 * watches.interval if answered else 0.0
