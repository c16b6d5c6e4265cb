"""The 3DEXPERIENCE platform's client: an `Upstream` over 3DPassport and 3DSpace."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Final, get_args

import httpx
from opentelemetry.trace import Tracer

from enovia._calls import health_of, through_circuit
from enovia._circuit import CircuitBreaker
from enovia._errors import EnoviaError, NotFound, UpstreamAuthFailed
from enovia._identifiers import checked_revision, checked_uid
from enovia._models import Document, EnoviaHealth, Revision
from enovia._retry import RetryPolicy
from enovia.platform._batching import Coalescer
from enovia.platform._families import FamilyReader
from enovia.platform._graph import Family
from enovia.platform._labels import RevisionMatch
from enovia.platform._login import (
    AgentLogin,
    BatchServiceLogin,
    LoginMethod,
    Passport,
    auth_mode,
)
from enovia.platform._requests import PAGE_SIZE, SOURCE_TYPES, DocumentSource
from enovia.platform._session import SessionKeeper
from enovia.platform._space import PERSON_CALL, Space
from enovia.platform._states import StateTable
from enovia.platform._wire import PlatformObserver, Wire

DEFAULT_SESSION_MAX_AGE: Final = 3600.0


class PlatformClient:
    """Reads documents and revisions from a 3DEXPERIENCE platform: an `Upstream`.

    `http`'s `base_url` is 3DSpace's root with a trailing slash; its cookie jar holds the
    cookies of 3DPassport and 3DSpace alike; it must not follow redirects (the logins follow
    them, step by step). The client closes it in `aclose`.

    A document is asked for by its name (the drawing number) or the physical id of any of
    its revisions. Whatever is asked of one document (the document, a revision, the latest
    released one, the list) is answered from one read of its family, and the reads asked
    for in the same event-loop turn go out together (`Coalescer`, `FamilyReader`). Each
    method returns a validated model or raises an `EnoviaError` whose message is safe to
    show; an identifier no upstream could be sent raises `InvalidIdentifier` first.

    The session is opened on first need (or by `start`), renewed when it ends or grows
    older than `session_max_age` seconds (on `clock`), never logged: every HTTP exchange is
    reported to `observer` and logged under its endpoint template only, and with a `tracer`
    traced (a span each, carried on in its `traceparent`; a batch of reads continues the
    trace of the request that opened it).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        login: LoginMethod,
        passport_url: httpx.URL | None = None,
        security_context: str | None = None,
        tenant: str | None = None,
        source: DocumentSource = "dsdoc",
        states: StateTable | None = None,
        revision_match: RevisionMatch = "exact",
        session_max_age: float = DEFAULT_SESSION_MAX_AGE,
        batch_size: int = PAGE_SIZE,
        retry: RetryPolicy | None = None,
        circuit: CircuitBreaker | None = None,
        observer: PlatformObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        tracer: Tracer | None = None,
    ) -> None:
        if source not in SOURCE_TYPES:
            raise ValueError(f"source must be one of {', '.join(SOURCE_TYPES)}, got {source!r}")
        if revision_match not in get_args(RevisionMatch):
            raise ValueError(f"revision_match must be exact or major, got {revision_match!r}")
        if session_max_age <= 0:
            raise ValueError("session_max_age must be positive")
        if security_context is not None and not security_context.strip():
            raise ValueError("security_context must be None (discover it) or not empty")
        self._http = http
        self._login = login
        self._configured_context = security_context
        self._match = revision_match
        self._retry = retry or RetryPolicy()
        self._observer = observer
        self.circuit = circuit
        space_url = str(http.base_url).rstrip("/")
        wire = Wire(http, observer, tracer)
        agent = login if isinstance(login, AgentLogin) else None
        self._passport = (
            None
            if agent is not None
            else Passport(wire, space_url=space_url, passport_url=passport_url, tenant=tenant)
        )
        self._sessions = SessionKeeper(
            self._open_session,
            auth_mode=auth_mode(login),
            renewable=agent is None,
            max_age=session_max_age,
            clock=clock,
            on_login=None if observer is None else observer.token_refresh,
        )
        self._space = Space(
            wire,
            self._sessions,
            space_url=space_url,
            agent=agent,
            tenant=tenant,
            retry=self._retry,
            circuit=lambda: self.circuit,
        )
        reader = FamilyReader(
            self._space,
            space_url=space_url,
            source_type=SOURCE_TYPES[source],
            states=states or StateTable.default(),
            batch_size=batch_size,
        )
        self._families: Coalescer[str, Family] = Coalescer(reader.read)

    async def start(self) -> None:
        """Log in and settle the SecurityContext (discovered when none was configured).

        Raises `SecurityContextUnavailable` when the platform names no preferred credentials
        for the person; any `EnoviaError` (the platform unreachable, the login refused) is
        the caller's to log: the first call tries again.
        """
        await self._sessions.current()

    @property
    def credentials_state(self) -> Mapping[str, object]:
        """The session's state, never its cookies nor any secret: `auth_mode`, `state`
        (none, active, expired), `session_age` in seconds, `security_context` (not a
        secret: which role the gateway works in)."""
        session = self._sessions.session
        age = self._sessions.age()
        return {
            "auth_mode": auth_mode(self._login),
            "state": self._sessions.state(),
            "session_age": None if age is None else round(age, 1),
            "security_context": (
                session.security_context if session is not None else self._configured_context
            ),
        }

    async def get_document(self, doc_uid: str) -> Document:
        return (await self._family(doc_uid)).document

    async def get_revision(self, doc_uid: str, revision: str) -> Revision:
        """The revision labelled `revision`; with `revision_match="major"`, a printed `B`
        is the newest of `B` and its minor revisions `B.<n>`."""
        checked_revision(revision)
        found = (await self._family(doc_uid)).revision(revision, self._match)
        if found is None:
            raise NotFound("3DSpace has no such revision of the document")
        return found

    async def get_latest_revision(self, doc_uid: str) -> Revision:
        """The newest released revision on the document's main line; `NotFound` when none
        is released."""
        latest = (await self._family(doc_uid)).latest_released
        if latest is None:
            raise NotFound("3DSpace has no released revision of the document")
        return latest

    async def list_revisions(self, doc_uid: str) -> Sequence[Revision]:
        return (await self._family(doc_uid)).revisions

    async def get_documents(self, doc_uids: Sequence[str]) -> Mapping[str, Document | EnoviaError]:
        """Through the same batches as every other call: one search per name, then the
        graphs and objects of all of them together."""
        unique = [checked_uid(uid) for uid in dict.fromkeys(doc_uids)]
        answers = await asyncio.gather(*map(self._family, unique), return_exceptions=True)
        found: dict[str, Document | EnoviaError] = {}
        for uid, answer in zip(unique, answers, strict=True):
            if isinstance(answer, Family):
                found[uid] = answer.document
            elif isinstance(answer, EnoviaError):
                found[uid] = answer
            else:
                raise answer  # not an upstream's answer (a bug): the caller's
        return found

    async def check_health(self) -> EnoviaHealth:
        """One unretried, authenticated call (the current person) that bypasses the
        circuit (it is how an operator sees); logs in first when there is no session.
        Never raises."""
        return await health_of(
            lambda: self._space.fetch(PERSON_CALL, resilient=False), self._observer
        )

    async def aclose(self) -> None:
        await self._families.aclose()
        await self._http.aclose()

    async def _family(self, doc_uid: str) -> Family:
        return await self._families.get(checked_uid(doc_uid))

    # The session ---------------------------------------------------------------------------

    async def _open_session(self) -> str:
        """Log in (retried as a GET is, through the circuit) and settle the context."""
        return await self._retry.call(self._guarded_open)

    async def _guarded_open(self) -> str:
        return await through_circuit(self.circuit, self._log_in)

    async def _log_in(self) -> str:
        login = self._login
        if self._passport is not None and not isinstance(login, AgentLogin):
            try:
                await self._passport.open_session(login)
            except UpstreamAuthFailed:
                secret = login.secret if isinstance(login, BatchServiceLogin) else login.password
                # A rotated secret file: one more login with what it holds now.
                if not secret.reload():
                    raise
                await self._passport.open_session(login)
        if self._configured_context is not None:
            return self._configured_context
        return await self._space.security_context()
