"""The verdict on a loaded revision, from the request's loaders: one rule for every field.

`Query.actuality`, `Revision.isActual` and `Revision.businessStatus` all come from here, so
that a revision is never "actual" in one field and "not actual" in another.
"""

from __future__ import annotations

from collections.abc import Awaitable

import enovia
from loaders import Absence, Freshness, Loaded, RequestLoaders, document_deleted
from schema import status
from schema.now_or_later import when_loaded


def revision_verdict(
    loaders: RequestLoaders, uid: str, asked: Loaded[enovia.Revision]
) -> status.Verdict | Awaitable[status.Verdict]:
    """The verdict on the present revision `asked` of document `uid`: at once when it does
    not depend on ENOVIA's latest released revision (or that is loaded already), else once
    the latest is loaded (the same value the whole request sees)."""
    revision = asked.value
    assert revision is not None
    if not status.needs_latest(revision):
        return without_latest(asked)
    return when_loaded(loaders.latest(uid), lambda latest: with_latest(uid, asked, latest))


def without_latest(asked: Loaded[enovia.Revision]) -> status.Verdict:
    """The verdict on `asked` when its own facts decide it (see `status.needs_latest`)."""
    confirmed = asked.freshness is not Freshness.STALE
    return status.verdict(asked.value, None, confirmed=confirmed)


def with_latest(
    uid: str, asked: Loaded[enovia.Revision], latest: Loaded[enovia.Revision]
) -> status.Verdict:
    """The verdict on `asked` against ENOVIA's latest released revision (absent: none is
    released). Raises `Gone` when ENOVIA says the document was deleted."""
    if latest.absence is Absence.GONE:
        raise enovia.Gone(document_deleted(uid))
    confirmed = Freshness.STALE not in (asked.freshness, latest.freshness)
    return status.verdict(asked.value, latest.value, confirmed=confirmed)
