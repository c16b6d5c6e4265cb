"""The platform's objects: the sample families, run-time changes, the GEN family, and the
search index that lags behind them.

Lookups by id (`revision`) see every change at once; searches go through the index. A
change records the changed names in the index, stamped with the monotonic clock; the wall
clock stamps the objects' `modified`.

A revision object may be renamed alone (`rename_revision`): it stays in its family (the
version graph still links it) but carries another name, which search finds it by.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Final

from enovia.simulators.common.errors import StoreError
from enovia.simulators.platform.data import generated_family, is_generated_name, sample_families
from enovia.simulators.platform.index import Hit, Hits, SearchIndex, name_key
from enovia.simulators.platform.model import (
    DOCUMENT_TYPE,
    OBSOLETE,
    RELEASED,
    Family,
    PlatformRevision,
    document_item,
    is_released,
    object_id,
    object_name,
)

# GEN revision ids learned (id → name) before the oldest are forgotten; a forgotten id is
# found again once its name is searched or shown.
GENERATED_IDS_LIMIT: Final = 250_000
_GEN_KEY_PREFIX: Final = "gen-"

FamilyKey = tuple[str, str]  # (name, type)


def _obsoleted(state: str) -> str:
    """OBSOLETE, keeping the policy prefix *state* had (`Document Release.OBSOLETE`)."""
    prefix, dot, _ = state.rpartition(".")
    return f"{prefix}{dot}{OBSOLETE}"


def _type_order(family: Family) -> tuple[bool, str]:
    # Documents first: the default document source's objects lead a name's hits.
    return family.doc_type != DOCUMENT_TYPE, family.doc_type


@functools.cache
def _pristine() -> tuple[tuple[Family, ...], Mapping[str, Hits]]:
    """The sample families and the index entries they make, built on first use and shared
    by every store: never changed (a store works on copies; hits are never mutated)."""
    families = tuple(sample_families())
    entries: dict[str, list[Hit]] = {}
    for family in sorted(families, key=_type_order):
        if not family.deleted or family.index_keeps:
            hits = entries.setdefault(name_key(family.name), [])
            hits.extend(document_item(family, r) for r in family.revisions)
    return families, {key: tuple(hits) for key, hits in entries.items()}


class PlatformStore:
    """Holds the families; GEN families are computed until something changes them.

    `clock` (monotonic seconds) stamps the index's versions, `now` (aware UTC) the objects'
    changes. Not thread-safe: use it from the server's event loop.
    """

    def __init__(self, clock: Callable[[], float], now: Callable[[], datetime]) -> None:
        self._now = now
        self._index = SearchIndex(clock)
        self._families: dict[FamilyKey, Family] = {}
        self._by_id: dict[str, Family] = {}
        # Every id any stored family ever held: a new revision never takes one.
        self._issued: set[str] = set()
        # GEN names renamed away: they must not come back as computed families.
        self._vacated: set[str] = set()
        # Revision objects renamed alone (id → family): search finds them by their own name.
        self._renamed: dict[str, Family] = {}
        self._generated_ids: OrderedDict[str, str] = OrderedDict()
        self.reset()

    def reset(self) -> None:
        """Forget every run-time change: back to the sample families, an index in step."""
        pristine, entries = _pristine()
        families = [family.copy() for family in pristine]
        self._families = {(f.name, f.doc_type): f for f in families}
        self._by_id = {r.object_id: f for f in families for r in f.revisions}
        self._issued = set(self._by_id)
        self._vacated = set()
        self._renamed = {}
        self._index.load(entries)

    # Reading ------------------------------------------------------------------------------

    def family(self, name: str, doc_type: str) -> Family | None:
        """The family (possibly deleted), stored or computed (GEN), or None."""
        family = self._families.get((name, doc_type))
        if family is not None:
            return family
        if doc_type != DOCUMENT_TYPE or name in self._vacated:
            return None
        family = generated_family(name)
        if family is not None:
            self._learn(family)
        return family

    def resolve(self, name: str, doc_type: str | None) -> Family | None:
        """The family *name* of *doc_type*; without a type, the Document else any other."""
        if doc_type is not None:
            return self.family(name, doc_type)
        family = self.family(name, DOCUMENT_TYPE)
        if family is not None:
            return family
        for (stored_name, _), stored in self._families.items():
            if stored_name == name:
                return stored
        return None

    def revision(self, oid: str) -> tuple[Family, PlatformRevision] | None:
        """The live (not deleted) object *oid* and its family, or None."""
        family = self._by_id.get(oid)
        if family is None:
            name = self._generated_ids.get(oid)
            if name is None:
                return None
            family = self.family(name, DOCUMENT_TYPE)
            if family is None:
                return None
        if family.deleted:
            return None
        revision = family.find_id(oid)
        return None if revision is None else (family, revision)

    def stored(self) -> list[Family]:
        """Every stored family: samples first, then those created or changed at run time."""
        return list(self._families.values())

    def is_stored(self, family: Family) -> bool:
        """Whether *family* is held in the store (a GEN family only once it was changed)."""
        return self._families.get((family.name, family.doc_type)) is family

    # Searching -----------------------------------------------------------------------------

    def search_name(self, name: str, lag: float) -> list[Hit]:
        """Hits whose name starts with *name*, ignoring case, as the index saw them *lag*
        seconds ago; GEN names only match exactly."""
        key = name_key(name)
        return [*self._generated_hits(key), *self._index.prefix(key, lag)]

    def search_text(self, term: str, lag: float) -> list[Hit]:
        """Hits whose name starts with *term* or whose title holds it, ignoring case."""
        key = name_key(term)
        found = list(self._generated_hits(key))
        for hit in self._index.scan(lag):
            elements = hit["dataelements"]
            assert isinstance(elements, dict)
            name, title = str(elements["name"]), str(elements["title"])
            if name_key(name).startswith(key) or key in name_key(title):
                found.append(hit)
        return found

    def _generated_hits(self, key: str) -> Hits:
        """The GEN family's hits for exactly *key*, when the index holds nothing of it (it
        existed without being indexed here)."""
        if self._index.knows(key):
            return ()
        family = self._generated_for_key(key)
        if family is None:
            return ()
        return tuple(document_item(family, revision) for revision in family.revisions)

    def _generated_for_key(self, key: str) -> Family | None:
        if not key.startswith(_GEN_KEY_PREFIX):
            return None
        name = _GEN_KEY_PREFIX.upper() + key[len(_GEN_KEY_PREFIX) :]
        if not is_generated_name(name) or (name, DOCUMENT_TYPE) in self._families:
            return None
        return self.family(name, DOCUMENT_TYPE)

    # Changing ------------------------------------------------------------------------------

    def add_revision(
        self,
        name: str,
        doc_type: str | None,
        label: str,
        state: str,
        made_from: str | None = None,
    ) -> Family:
        """A new revision of *name*, made from *made_from* (default: the newest revision).

        Creates the family (a Document unless *doc_type* says) when there is none. Raises
        StoreError: 410 when the family is deleted, 409 when the label is taken, 404 when
        *made_from* is not one of its revisions.
        """
        family = self._stored(name, doc_type)
        doc_type = doc_type or DOCUMENT_TYPE
        keys = (name_key(name),)
        self._seed(keys)
        if family is None:
            family = Family(name, doc_type, f"Document {name}", f"{doc_type} {name}")
            self._families[(name, doc_type)] = family
        self._refuse_deleted(family)
        if family.find(label) is not None:
            raise StoreError(409, "conflict", f"Revision {label!r} already exists")
        ancestor: PlatformRevision | None = family.revisions[-1] if family.revisions else None
        if made_from is not None:
            ancestor = family.find(made_from)
            if ancestor is None:
                raise StoreError(404, "not_found", f"Revision {made_from!r} not found")
        now = self._now()
        oid = self._fresh_id(name, family.doc_type, label)
        family.revisions.append(
            PlatformRevision(
                oid, label, state, now, now, None if ancestor is None else ancestor.object_id
            )
        )
        self._by_id[oid] = family
        self._issued.add(oid)
        self._reindex(keys)
        return family

    def set_state(self, name: str, doc_type: str | None, label: str, state: str) -> Family:
        """Put revision *label* in *state*. Raises StoreError 404 or 410."""
        family, revision = self._revision_to_change(name, doc_type, label)
        self._change(family, [(revision, state)])
        return family

    def release(self, name: str, doc_type: str | None, label: str) -> Family:
        """RELEASED; every released revision it was made from (its line) becomes OBSOLETE."""
        family, revision = self._revision_to_change(name, doc_type, label)
        changes = [(revision, RELEASED)]
        changes += [
            (a, _obsoleted(a.state)) for a in family.line_of(revision) if is_released(a.state)
        ]
        self._change(family, changes)
        return family

    def delete(self, name: str, doc_type: str | None) -> Family:
        """Delete the family: its objects are gone at once, from search once the index
        catches up. Deleting it again is not an error. Raises StoreError 404."""
        family = self._existing(name, doc_type)
        keys = _keys_of(family)
        self._seed(keys)
        family.deleted = True
        self._reindex(keys)
        return family

    def delete_revision(self, name: str, doc_type: str | None, label: str) -> Family:
        """Delete revision object *label* alone: gone at once from documents/{id},
        documents/ids and the version graph (the revisions made from it start a line, as
        its VersionOf edges went with it), from search once the index catches up. Deleting
        the last one deletes the family. Raises StoreError 404 or 410."""
        family, revision = self._revision_to_change(name, doc_type, label)
        keys = _keys_of(family)
        self._seed(keys)
        oid = revision.object_id
        family.revisions.remove(revision)
        self._by_id.pop(oid, None)
        self._renamed.pop(oid, None)
        for other in family.revisions:
            if other.made_from == oid:
                other.made_from = None
        if not family.revisions:
            family.deleted = True
        self._reindex(keys)
        return family

    def rename_revision(self, name: str, doc_type: str | None, label: str, to: str) -> Family:
        """Give revision object *label* alone the name *to* (its id unchanged): it stays in
        the family's version graph, documents/{id} and documents/ids show it under *to*, and
        search finds it by *to* (no more by its old name) once the index catches up. *to*
        may be the family's own name again.

        Raises StoreError: 404, 410 when deleted, 409 when an object of that type is
        already named *to* with that label.
        """
        family, revision = self._revision_to_change(name, doc_type, label)
        current = object_name(family, revision)
        if to == current:
            return family
        if to != family.name and self._label_taken(to, family.doc_type, label):
            raise StoreError(
                409, "conflict", f"A {family.doc_type} {to!r} revision {label!r} exists"
            )
        keys = (*_keys_of(family), name_key(to))
        self._seed(keys)
        if to == family.name:
            revision.name = None
            self._renamed.pop(revision.object_id, None)
        else:
            revision.name = to
            self._renamed[revision.object_id] = family
        revision.modified = self._now()
        self._reindex(keys)
        return family

    def _label_taken(self, name: str, doc_type: str, label: str) -> bool:
        """Whether an object of *doc_type* named *name* has the label *label*."""
        family = self.family(name, doc_type)
        if family is not None and not family.deleted:
            found = family.find(label)
            if found is not None and found.name is None:
                return True
        for oid, holder in self._renamed.items():
            revision = holder.find_id(oid)
            if (
                revision is not None
                and not holder.deleted
                and holder.doc_type == doc_type
                and (revision.name, revision.label) == (name, label)
            ):
                return True
        return False

    def rename(self, name: str, doc_type: str | None, to: str) -> Family:
        """Give the family (every revision object, ids unchanged) the name *to*.

        Raises StoreError: 404, 410 when deleted, 409 when *to* is taken in that type.
        """
        family = self._existing(name, doc_type)
        self._refuse_deleted(family)
        if to == family.name:
            return family
        if self.family(to, family.doc_type) is not None:
            raise StoreError(409, "conflict", f"A {family.doc_type} named {to!r} exists")
        keys = (*_keys_of(family), name_key(to))
        self._seed(keys)
        del self._families[(family.name, family.doc_type)]
        if is_generated_name(family.name):
            self._vacated.add(family.name)
        family.name = to
        self._families[(to, family.doc_type)] = family
        now = self._now()
        for revision in family.revisions:
            revision.modified = now
            if revision.name == to:
                # Renamed alone to what the family is now called: its name again.
                revision.name = None
                self._renamed.pop(revision.object_id, None)
        self._reindex(keys)
        return family

    def _revision_to_change(
        self, name: str, doc_type: str | None, label: str
    ) -> tuple[Family, PlatformRevision]:
        family = self._existing(name, doc_type)
        self._refuse_deleted(family)
        revision = family.find(label)
        if revision is None:
            raise StoreError(404, "not_found", f"Revision {label!r} not found")
        return family, revision

    def _change(self, family: Family, changes: Iterable[tuple[PlatformRevision, str]]) -> None:
        keys = _keys_of(family)
        self._seed(keys)
        now = self._now()
        for revision, state in changes:
            revision.state = state
            revision.modified = now
        self._reindex(keys)

    def _existing(self, name: str, doc_type: str | None) -> Family:
        family = self._stored(name, doc_type)
        if family is None:
            raise StoreError(404, "not_found", "Document not found")
        return family

    def _stored(self, name: str, doc_type: str | None) -> Family | None:
        """The stored family, storing a GEN family first so a change to it sticks."""
        family = self.resolve(name, doc_type)
        if family is not None and not self.is_stored(family):
            self._seed((name_key(family.name),))
            self._families[(family.name, family.doc_type)] = family
            for revision in family.revisions:
                self._by_id[revision.object_id] = family
                self._issued.add(revision.object_id)
        return family

    def _fresh_id(self, name: str, doc_type: str, label: str) -> str:
        attempt = 0
        while True:
            oid = object_id(name, doc_type, label, attempt)
            if oid not in self._issued and oid not in self._generated_ids:
                return oid
            attempt += 1

    def _learn(self, family: Family) -> None:
        """Remember a computed GEN family's ids, so a lookup by id finds it."""
        for revision in family.revisions:
            self._generated_ids[revision.object_id] = family.name
            self._generated_ids.move_to_end(revision.object_id)
        while len(self._generated_ids) > GENERATED_IDS_LIMIT:
            self._generated_ids.popitem(last=False)

    # The index -----------------------------------------------------------------------------

    def _hits_for(self, key: str) -> Hits:
        """What the index should hold for *key* now: the objects named so (by their family,
        or renamed alone to it)."""
        families = [
            family
            for family in self._families.values()
            if name_key(family.name) == key and (not family.deleted or family.index_keeps)
        ]
        generated = self._generated_for_key(key)
        if generated is not None:
            families.append(generated)
        # Families of another name holding an object renamed alone to *key*, each once.
        holders: dict[int, Family] = {}
        for oid, family in self._renamed.items():
            revision = family.find_id(oid)
            if (
                revision is not None
                and revision.name is not None
                and name_key(revision.name) == key
                and name_key(family.name) != key
                and (not family.deleted or family.index_keeps)
            ):
                holders.setdefault(id(family), family)
        families += holders.values()
        families.sort(key=_type_order)
        return tuple(
            document_item(f, r)
            for f in families
            for r in f.revisions
            if name_key(object_name(f, r)) == key
        )

    def _seed(self, keys: Iterable[str]) -> None:
        """Before a change: a key the index never had held what it holds now (GEN)."""
        for key in keys:
            if not self._index.knows(key):
                self._index.seed(key, self._hits_for(key))

    def _reindex(self, keys: Iterable[str]) -> None:
        for key in dict.fromkeys(keys):
            self._index.record(key, self._hits_for(key))

    @staticmethod
    def _refuse_deleted(family: Family) -> None:
        if family.deleted:
            raise StoreError(410, "gone", "Document deleted; POST /_sim/reset restores it")


def _keys_of(family: Family) -> tuple[str, ...]:
    """The index keys *family*'s objects are found by: its name's, and those of the
    revisions renamed alone."""
    keys = [name_key(family.name)]
    keys += [name_key(r.name) for r in family.revisions if r.name is not None]
    return tuple(dict.fromkeys(keys))
