"""`Upstream`: what the gateway needs from a PLM, whatever speaks to it.

The loaders depend on this interface only. `enovia.facade.FacadeClient` implements it over
the seed's REST API; the 3DEXPERIENCE platform's client will implement it over its own web
services. Every call returns a validated model or raises an `EnoviaError` subclass (or
`InvalidIdentifier` before anything is sent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from enovia._circuit import CircuitBreaker
from enovia._errors import EnoviaError
from enovia._models import Document, EnoviaHealth, Revision


class Upstream(Protocol):
    #: The breaker every call passes (None: calls always go out).
    circuit: CircuitBreaker | None

    async def get_document(self, doc_uid: str) -> Document: ...

    async def get_revision(self, doc_uid: str, revision: str) -> Revision: ...

    async def get_latest_revision(self, doc_uid: str) -> Revision:
        """The latest *released* revision of the document."""
        ...

    async def list_revisions(self, doc_uid: str) -> Sequence[Revision]:
        """Every revision of the document, oldest first; `UnsupportedByUpstream` where the
        upstream has no such call."""
        ...

    async def get_documents(self, doc_uids: Sequence[str]) -> Mapping[str, Document | EnoviaError]:
        """Many documents at once: each one, or why it could not be had. One call where the
        upstream has a batch call; concurrent single calls otherwise."""
        ...

    async def check_health(self) -> EnoviaHealth:
        """One unretried check of the upstream's health; never raises."""
        ...

    @property
    def credentials_state(self) -> Mapping[str, object]:
        """For detailed health: the state of the credentials the upstream was given (a
        token's, a session's), never the credentials themselves."""
        ...

    async def aclose(self) -> None: ...
