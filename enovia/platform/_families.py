"""Reading documents' families from 3DSpace, many at once: one search per name, then the
version graphs of every family together with the revision objects the search named, then
the revision objects it had not seen yet (section 5 of docs/3dexperience-protocol.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Final, TypeVar

from enovia._errors import EnoviaError, Gone, NotFound, UpstreamBadResponse
from enovia._models import parse_answer
from enovia.platform._answers import (
    DocumentObject,
    DocumentsAnswer,
    GraphAnswer,
    GraphResult,
    GraphVersion,
)
from enovia.platform._graph import Family, VersionFacts, derive_family
from enovia.platform._requests import (
    DOCUMENTS_BY_IDS,
    GET_GRAPH,
    MAX_SEARCH_PAGES,
    PAGE_SIZE,
    SEARCH,
    document_path,
    graph_body,
    ids_body,
    is_physical_id,
    search_term,
)
from enovia.platform._space import Space, SpaceCall
from enovia.platform._states import StateTable

T = TypeVar("T")

#: getGraph rounds at most: a name's first search hit may be an object deleted behind the
#: index's back; each further round asks about the name's next hit.
MAX_GRAPH_ROUNDS: Final = 3

# (physical id, relative path): how getGraph is told of an object.
ObjectRef = tuple[str, str]

_NEVER: Final = datetime.max.replace(tzinfo=UTC)


class FamilyReader:
    """Reads the families of many uids (names or physical ids) in as few calls as the
    platform allows: `read` answers each uid with its `Family` or the `EnoviaError` that
    kept it from being read; one family's error is never another's, and the error of a
    whole call fails only the families that call was for.

    Every call only reads (getGraph and documents/ids are POSTs that change nothing), so each
    is retried and passes the circuit as a GET does.
    """

    def __init__(
        self,
        space: Space,
        *,
        space_url: str,
        source_type: str,
        states: StateTable,
        batch_size: int = PAGE_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._space = space
        self._space_url = space_url
        self._source_type = source_type
        self._states = states
        self._batch_size = batch_size

    async def read(self, uids: Sequence[str]) -> dict[str, Family | EnoviaError]:
        """Every uid's family, or why it could not be read (each uid of `uids` is in the
        answer). Only a bug raises."""
        results: dict[str, Family | EnoviaError] = {}
        candidates = await self._search_all(uids, results)
        # The objects the search named are read while the graph is asked, saving a round
        # trip; only the versions the index has not seen yet (it lags) are read after it.
        indexed = list(
            dict.fromkeys(
                oid
                for uid, refs in candidates.items()
                if not is_physical_id(uid)
                for oid, _ in refs
            )
        )
        graphs, (objects, failures) = await asyncio.gather(
            self._graphs(candidates, results), self._objects(indexed)
        )
        asked = {_key(oid) for oid in indexed}
        unseen = list(
            dict.fromkeys(
                v.id for versions in graphs.values() for v in versions if _key(v.id) not in asked
            )
        )
        if unseen:
            more, more_failures = await self._objects(unseen)
            objects.update(more)
            failures.update(more_failures)
        for uid, versions in graphs.items():
            failed = next((failures[_key(v.id)] for v in versions if _key(v.id) in failures), None)
            if failed is not None:
                results[uid] = failed
                continue
            try:
                results[uid] = self._family(uid, versions, objects)
            except EnoviaError as exc:
                results[uid] = exc
        return results

    # 1. Names to objects -------------------------------------------------------------------

    async def _search_all(
        self, uids: Sequence[str], results: dict[str, Family | EnoviaError]
    ) -> dict[str, list[ObjectRef]]:
        """Each uid's objects to ask the graph about, best first: a physical id itself, a
        name's search hits (one search per name, all at once)."""
        candidates: dict[str, list[ObjectRef]] = {}
        names = [uid for uid in dict.fromkeys(uids) if not is_physical_id(uid)]
        found = await asyncio.gather(*map(self._search, names), return_exceptions=True)
        for name, hits in zip(names, found, strict=True):
            if isinstance(hits, EnoviaError):
                results[name] = hits
            elif isinstance(hits, BaseException):
                raise hits
            elif not hits:
                results[name] = NotFound("3DSpace has no document of that name")
            else:
                candidates[name] = hits
        for uid in uids:
            if is_physical_id(uid):
                # The platform writes physical ids in upper case and matches them exactly.
                oid = uid.upper()
                candidates[uid] = [(oid, document_path(oid))]
        return candidates

    async def _search(self, name: str) -> list[ObjectRef]:
        """The objects named exactly `name` of the source's type, oldest first (the first
        revision is the least likely to have been deleted since the index saw it).

        The search matches tokens and ignores case: its hits are filtered here. It pages
        while `items` says there are more hits, `MAX_SEARCH_PAGES` pages at most.
        """
        hits: list[DocumentObject] = []
        term = search_term(name)
        for _ in range(MAX_SEARCH_PAGES):
            call = SpaceCall(
                "GET",
                SEARCH,
                SEARCH,
                "documents/search",
                {"searchStr": term, "$top": str(PAGE_SIZE), "$skip": str(len(hits))},
            )
            page = parse_answer(DocumentsAnswer, await self._space.fetch(call), "documents/search")
            hits.extend(page.data)
            if not page.data or page.items is None or len(hits) >= page.items:
                break
        exact = [
            hit for hit in hits if hit.dataelements.name == name and hit.type == self._source_type
        ]
        exact.sort(key=lambda hit: hit.dataelements.originated or _NEVER)
        refs = {hit.id: hit.relative_path or document_path(hit.id) for hit in exact}
        return list(refs.items())

    # 2. Objects to families ----------------------------------------------------------------

    async def _graphs(
        self,
        candidates: Mapping[str, list[ObjectRef]],
        results: dict[str, Family | EnoviaError],
    ) -> dict[str, tuple[GraphVersion, ...]]:
        """Each uid's family as the version graph gives it: one object asked per uid, the
        asks of every uid chunked `batch_size` to a call, the calls all at once. A uid whose
        object the graph does not know is asked again with its next candidate, in a next
        round; with none left, a name is `Gone` (the index knew it) and an id `NotFound`."""
        families: dict[str, tuple[GraphVersion, ...]] = {}
        pending = {uid: list(refs) for uid, refs in candidates.items()}
        for _ in range(MAX_GRAPH_ROUNDS):
            if not pending:
                break
            askers: dict[str, list[str]] = {}
            refs: dict[str, ObjectRef] = {}
            for uid, left in pending.items():
                ref = left.pop(0)
                askers.setdefault(_key(ref[0]), []).append(uid)
                refs.setdefault(_key(ref[0]), ref)
            chunks = _chunks(list(refs), self._batch_size)
            answers = await asyncio.gather(
                *(self._graph([refs[key] for key in chunk]) for chunk in chunks),
                return_exceptions=True,
            )
            again: dict[str, list[ObjectRef]] = {}
            for chunk, answer in zip(chunks, answers, strict=True):
                if isinstance(answer, BaseException) and not isinstance(answer, EnoviaError):
                    raise answer
                by_id = {} if isinstance(answer, EnoviaError) else _results_by_id(answer)
                for key in chunk:
                    for uid in askers[key]:
                        if isinstance(answer, EnoviaError):
                            results[uid] = answer
                            continue
                        result = by_id.get(key)
                        if result is None:
                            results[uid] = UpstreamBadResponse(
                                "3DSpace's getGraph answer left out an object it was asked about"
                            )
                        elif result.error_code is None and result.versions:
                            families[uid] = result.versions
                        elif pending[uid]:
                            again[uid] = pending[uid]
                        else:
                            results[uid] = _vanished(uid)
            pending = again
        for uid in pending:
            results[uid] = _vanished(uid)
        return families

    async def _graph(self, refs: Sequence[ObjectRef]) -> GraphAnswer:
        body = graph_body(refs, self._source_type, self._space_url)
        call = SpaceCall("POST", GET_GRAPH, GET_GRAPH, "dslc/version/getGraph", json=body)
        return parse_answer(GraphAnswer, await self._space.fetch(call), "dslc/version/getGraph")

    # 3. The revision objects ---------------------------------------------------------------

    async def _objects(
        self, ids: Sequence[str]
    ) -> tuple[dict[str, DocumentObject], dict[str, EnoviaError]]:
        """Every object of `ids` that still exists (by `_key`), and the error of each id
        whose call failed; `batch_size` ids to a call, the calls all at once."""
        chunks = _chunks(list(ids), self._batch_size)
        answers = await asyncio.gather(*map(self._by_ids, chunks), return_exceptions=True)
        objects: dict[str, DocumentObject] = {}
        failures: dict[str, EnoviaError] = {}
        for chunk, answer in zip(chunks, answers, strict=True):
            if isinstance(answer, EnoviaError):
                failures.update((_key(oid), answer) for oid in chunk)
            elif isinstance(answer, BaseException):
                raise answer
            else:
                objects.update((_key(obj.id), obj) for obj in answer.data)
        return objects, failures

    async def _by_ids(self, ids: Sequence[str]) -> DocumentsAnswer:
        call = SpaceCall(
            "POST", DOCUMENTS_BY_IDS, DOCUMENTS_BY_IDS, "documents/ids", json=ids_body(ids)
        )
        return parse_answer(DocumentsAnswer, await self._space.fetch(call), "documents/ids")

    # 4. The family -------------------------------------------------------------------------

    def _family(
        self,
        uid: str,
        versions: Sequence[GraphVersion],
        objects: Mapping[str, DocumentObject],
    ) -> Family:
        """The family of `uid` from its graph's versions and their objects: only the
        versions that still exist (documents/ids knows them), still carry the document's
        name (a renamed one left it) and are of the source's type."""
        if is_physical_id(uid):
            asked = objects.get(_key(uid))
            if asked is None or asked.type != self._source_type:
                raise NotFound("3DSpace has no document with that id")
            name = asked.dataelements.name
        else:
            name = uid
            if not any(_key(v.id) in objects for v in versions):
                raise Gone("3DSpace deleted the document")
        kept = [
            _facts(version, obj)
            for version in versions
            if (obj := objects.get(_key(version.id))) is not None
            and obj.dataelements.name == name
            and obj.type == self._source_type
        ]
        if not kept:
            raise NotFound("3DSpace has no document of that name any more")
        return derive_family(uid, name, kept, self._states)


def _facts(version: GraphVersion, obj: DocumentObject) -> VersionFacts:
    elements = obj.dataelements
    return VersionFacts(
        id=version.id,
        label=version.revision,
        maturity_state=version.maturity_state,
        made_from=tuple(ancestor.id for ancestor in version.ancestors),
        type=obj.type,
        title=elements.title,
        originated=elements.originated,
        modified=elements.modified,
    )


def _results_by_id(answer: GraphAnswer) -> dict[str, GraphResult]:
    return {_key(result.id): result for result in answer.results}


def _vanished(uid: str) -> EnoviaError:
    if is_physical_id(uid):
        return NotFound("3DSpace has no document with that id")
    return Gone("3DSpace deleted the document")


def _key(oid: str) -> str:
    """Physical ids compare without regard to case (they are hexadecimal)."""
    return oid.casefold()


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
