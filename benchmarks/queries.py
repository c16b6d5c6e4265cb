"""The GraphQL operations the benchmark sends, and fresh (cold) document uids."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import orjson

# The contract's QR-scan query: a document, its latest revision and the actuality of a
# revision. `actuality` asks ENOVIA now by default (maxAge 0); SCAN_WITHIN_TTL lets a cached
# answer of up to a minute count, so that a repeated query can be answered from the cache.
_SCAN = """
query Scan($uid: ID!, $revision: String!{max_age_var}) {{
  document(uid: $uid) {{
    uid title number type freshness checkedAt
    latestRevision {{ revision maturityState businessStatus {{ code label }} }}
  }}
  actuality(uid: $uid, revision: $revision{max_age_arg}) {{
    isActual reason freshness checkedAt
    businessStatus {{ code label(lang: "en") }}
    latestRevision {{ revision }}
  }}
}}
"""
SCAN = _SCAN.format(max_age_var="", max_age_arg="")
SCAN_WITHIN_TTL = _SCAN.format(max_age_var=", $maxAge: Int", max_age_arg=", maxAge: $maxAge")

# The warm single-document query (wrk's fixed body).
DOCUMENT = """
query Document($uid: ID!) {
  document(uid: $uid) {
    uid title number type freshness checkedAt
    latestRevision { revision maturityState businessStatus { code label } }
  }
}
"""

# Many documents with their latest revisions (the 100-document query).
DOCUMENTS = """
query Documents($uids: [ID!]!) {
  documents(uids: $uids) { uid title latestRevision { revision businessStatus { code } } }
}
"""


def scan_variables(uid: str, revision: str = "A", max_age: int | None = None) -> dict[str, object]:
    variables: dict[str, object] = {"uid": uid, "revision": revision}
    if max_age is not None:
        variables["maxAge"] = max_age
    return variables


def duplicates_and_aliases(uids: Sequence[str], aliased: int = 4) -> str:
    """One operation asking each uid many times: twice in each of two aliased `documents`
    lists, and for the first *aliased* uids also through two aliased `document` fields (the
    gateway's default limit is 20 aliases). Distinct resources: a document and its latest
    revision per uid."""
    listed = orjson.dumps([uid for uid in uids for _ in range(2)]).decode()
    fields = [
        f"first: documents(uids: {listed}) {{ uid title latestRevision {{ revision }} }}",
        f"again: documents(uids: {listed}) {{ uid latestRevision {{ revision maturityState }} }}",
    ]
    for index, uid in enumerate(uids[:aliased]):
        literal = orjson.dumps(uid).decode()
        fields.append(f"a{index}: document(uid: {literal}) {{ uid title }}")
        fields.append(f"b{index}: document(uid: {literal}) {{ latestRevision {{ revision }} }}")
    return "query Duplicates {\n  " + "\n  ".join(fields) + "\n}\n"


def body(query: str, variables: dict[str, object] | None = None) -> bytes:
    """A `POST /graphql` JSON body."""
    payload: dict[str, object] = {"query": query}
    if variables:
        payload["variables"] = variables
    return orjson.dumps(payload)


class ColdUids:
    """Distinct `GEN-<n>` uids, never handed out twice in a run, so never in any cache.

    The simulator computes any GEN document on request; every variant has a revision `A`.
    """

    def __init__(self, start: int = 1_000_000) -> None:
        self._numbers: Iterator[int] = itertools.count(start)

    def one(self) -> str:
        return f"GEN-{next(self._numbers)}"

    def many(self, count: int) -> list[str]:
        return [self.one() for _ in range(count)]
