"""A document's family of revisions, derived from its version graph (pure, no I/O).

The platform keeps each revision as an object of its own and says only which revision each
was made from and what state it is in. What the gateway needs beyond that (their order,
which revision supersedes which, the latest released one) is derived here, as
docs/3dexperience-protocol.md (section 4) defines it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from enovia._models import Document, Revision
from enovia.platform._labels import LabelKey, RevisionMatch, label_key, label_matches
from enovia.platform._states import StateTable


@dataclass(frozen=True, slots=True)
class VersionFacts:
    """One revision object, as the version graph (`label`, `maturity_state`, `made_from`)
    and documents/ids (the rest) describe it."""

    id: str
    label: str
    maturity_state: str
    made_from: tuple[str, ...]
    type: str
    title: str | None = None
    originated: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Family:
    """Everything the gateway may ask of one document, from one fetch of its family.

    `revisions` are oldest first; `latest_released` is None when nothing is released.
    """

    document: Document
    revisions: tuple[Revision, ...]
    latest_released: Revision | None

    def revision(self, asked: str, match: RevisionMatch) -> Revision | None:
        """The newest revision whose label answers for `asked` (see `label_matches`)."""
        found: Revision | None = None
        for revision in self.revisions:
            if label_matches(revision.revision, asked, match):
                found = revision
        return found


def derive_family(
    uid: str, name: str, versions: Sequence[VersionFacts], states: StateTable
) -> Family:
    """The family of document `uid` (named `name`) from its revision objects (at least one,
    each of the same document: filtered by the caller).

    Order: an ancestor before what was made from it, then by label (`label_key`).
    Superseded: by the first later revision on its line (made from it, directly or not)
    that is in the released family. Latest released: the newest released revision on the
    main line, the line of the newest revision. An ancestor that is not among `versions`
    (renamed away, deleted) is ignored: the revision made from it starts a line.
    """
    if not versions:
        raise ValueError("a family needs at least one revision")
    by_id = {version.id: version for version in versions}
    parents = {
        version.id: tuple(
            dict.fromkeys(p for p in version.made_from if p in by_id and p != version.id)
        )
        for version in versions
    }
    order = _ordered(by_id, parents)
    position = {vid: i for i, vid in enumerate(order)}
    released = {vid for vid in order if states.is_released(by_id[vid].maturity_state)}
    children: dict[str, list[str]] = {vid: [] for vid in order}
    for vid, made_from in parents.items():
        for parent in made_from:
            children[parent].append(vid)

    revisions: dict[str, Revision] = {}
    for vid in order:
        version = by_id[vid]
        later = (_reachable(vid, children) - {vid}) & released
        superseded_by = by_id[min(later, key=position.__getitem__)].label if later else None
        revisions[vid] = Revision(
            id=version.id,
            revision=version.label,
            maturity_state=version.maturity_state,
            superseded_by=superseded_by,
            last_modified=version.modified,
            business_status=states.status(version.maturity_state),
        )

    newest = order[-1]
    main_line = _reachable(newest, parents) | {newest}
    on_line = [vid for vid in order if vid in main_line and vid in released]
    latest = revisions[on_line[-1]] if on_line else None

    modified = [v.modified for v in versions if v.modified is not None]
    document = Document(
        id=uid,
        number=name,
        title=by_id[newest].title,
        type=by_id[newest].type,
        created_at=by_id[order[0]].originated,
        updated_at=max(modified) if modified else None,
    )
    return Family(document, tuple(revisions[vid] for vid in order), latest)


def _ordered(
    by_id: Mapping[str, VersionFacts], parents: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """Kahn's topological order, the smallest label first among the revisions ready. A cycle
    (which a version graph should never have) is broken the same way: what is left follows,
    by label, so that a bad graph still gives a stable order instead of an error."""
    waiting = {vid: len(made_from) for vid, made_from in parents.items()}
    children: dict[str, list[str]] = {vid: [] for vid in by_id}
    for vid, made_from in parents.items():
        for parent in made_from:
            children[parent].append(vid)
    ready: list[tuple[LabelKey, str]] = [
        (label_key(by_id[vid].label), vid) for vid, count in waiting.items() if count == 0
    ]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, vid = heapq.heappop(ready)
        order.append(vid)
        for child in children[vid]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (label_key(by_id[child].label), child))
    if len(order) < len(by_id):
        placed = set(order)
        order.extend(
            sorted(
                (vid for vid in by_id if vid not in placed),
                key=lambda v: (label_key(by_id[v].label), v),
            )
        )
    return order


def _reachable(start: str, edges: Mapping[str, Iterable[str]]) -> set[str]:
    """Every node reachable from `start` along `edges` (`start` itself only through a cycle)."""
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen
