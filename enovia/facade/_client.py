"""The facade client: typed calls for the seed's endpoints over one shared `httpx.AsyncClient`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence

import httpx
from opentelemetry.trace import Tracer
from pydantic import field_validator

from enovia._calls import (
    CallObserver,
    attempt_timeout,
    health_of,
    log_call,
    retry_after,
    through_circuit,
)
from enovia._circuit import CircuitBreaker
from enovia._errors import (
    EnoviaError,
    Forbidden,
    Gone,
    NotFound,
    RateLimited,
    UnsupportedByUpstream,
    UpstreamAuthFailed,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from enovia._identifiers import path_segment, revision_segment
from enovia._models import Document, EnoviaHealth, ModelT, Revision, parse_answer
from enovia._retry import RetryPolicy
from enovia._spans import CallSpan, call_span
from enovia._transport import no_answer
from enovia.facade._auth import ClientCredentialsAuth

DOCUMENT = "/api/v1/documents/{doc_uid}"
REVISION = "/api/v1/documents/{doc_uid}/revisions/{revision}"
LATEST = "/api/v1/documents/{doc_uid}/revisions/latest"
HEALTH = "/api/v1/health"


class _FacadeRevision(Revision):
    """The facade's revision answer: the seed reads `pages` with a default of 1 (a null is
    the same as a missing field there)."""

    pages: int | None = 1

    @field_validator("pages", mode="before")
    @classmethod
    def _pages_default(cls, value: object) -> object:
        return 1 if value is None else value


class FacadeClient:
    """Reads documents and revisions from ENOVIA's REST facade: an `Upstream`.

    Each attempt passes the `circuit` breaker (when given): while ENOVIA is down, calls fail
    fast instead of waiting on it. Health checks bypass it: they are how an operator sees.

    Each method either returns a validated model or raises an `EnoviaError` subclass whose
    message is safe to show to a client. Identifiers are checked and percent-encoded as one
    path segment before anything is sent. GETs are retried by `retry`; every HTTP exchange
    is logged (`enovia.call`) and reported to `observer` under its endpoint template, and
    with a `tracer` has a span (`CallSpan`) that the request's `traceparent` carries on.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        circuit: CircuitBreaker | None = None,
        observer: CallObserver | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self._http = http
        self._retry = retry or RetryPolicy()
        self._observer = observer
        self._tracer = tracer
        self.circuit = circuit

    @property
    def credentials_state(self) -> Mapping[str, object]:
        """The OAuth2 token's state (`ClientCredentialsAuth.token_state`), when the HTTP
        client authenticates with one."""
        auth = self._http.auth
        if isinstance(auth, ClientCredentialsAuth):
            return auth.token_state
        return {"state": "none"}

    async def get_document(self, doc_uid: str) -> Document:
        path = f"/api/v1/documents/{path_segment(doc_uid, 'uid')}"
        return await self._get_model(DOCUMENT, path, Document, "document")

    async def get_revision(self, doc_uid: str, revision: str) -> Revision:
        uid, label = path_segment(doc_uid, "uid"), revision_segment(revision)
        path = f"/api/v1/documents/{uid}/revisions/{label}"
        return await self._get_model(REVISION, path, _FacadeRevision, "revision")

    async def get_latest_revision(self, doc_uid: str) -> Revision:
        """ENOVIA's latest *released* revision of the document."""
        path = f"/api/v1/documents/{path_segment(doc_uid, 'uid')}/revisions/latest"
        return await self._get_model(LATEST, path, _FacadeRevision, "latest revision")

    async def list_revisions(self, doc_uid: str) -> Sequence[Revision]:
        """The seed's API has no call that lists a document's revisions."""
        raise UnsupportedByUpstream("ENOVIA's REST facade cannot list a document's revisions")

    async def get_documents(self, doc_uids: Sequence[str]) -> Mapping[str, Document | EnoviaError]:
        """Concurrent single calls: the seed's API has no batch call."""
        unique = list(dict.fromkeys(doc_uids))
        answers = await asyncio.gather(
            *(self.get_document(uid) for uid in unique), return_exceptions=True
        )
        found: dict[str, Document | EnoviaError] = {}
        for uid, answer in zip(unique, answers, strict=True):
            if isinstance(answer, Document | EnoviaError):
                found[uid] = answer
            else:
                raise answer  # not an upstream's answer (InvalidIdentifier, a bug): the caller's
        return found

    async def check_health(self) -> EnoviaHealth:
        """One unretried call to ENOVIA's `/api/v1/health`; never raises."""
        return await health_of(lambda: self._get_once(HEALTH, HEALTH), self._observer)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get_model(self, endpoint: str, path: str, model: type[ModelT], what: str) -> ModelT:
        content = await self._retry.call(self._guarded_get, endpoint, path)
        return parse_answer(model, content, what)

    async def _guarded_get(self, endpoint: str, path: str) -> bytes:
        return await through_circuit(self.circuit, lambda: self._get_once(endpoint, path))

    async def _get_once(self, endpoint: str, path: str) -> bytes:
        if self._tracer is None:
            return await self._exchange(endpoint, path, None)
        with call_span(self._tracer, "GET", endpoint, self._http.base_url.host) as span:
            return await self._exchange(endpoint, path, span)

    async def _exchange(self, endpoint: str, path: str, span: CallSpan | None) -> bytes:
        started = time.perf_counter()
        status = "error"
        failure: EnoviaError | None = None
        # Logged with the endpoint's template: the path would hold an identifier.
        url = str(self._http.base_url) + endpoint.lstrip("/")
        timeout = attempt_timeout(self._http.timeout)
        try:
            # The attempt gets what is left of the request's deadline, at most.
            headers = span.headers if span is not None else None
            if timeout is None:
                response = await self._http.get(path, headers=headers)
            else:
                response = await self._http.get(path, headers=headers, timeout=timeout)
            status = str(response.status_code)
        except httpx.TransportError as exc:  # no answer: timed out, or none could come
            status = "timeout" if isinstance(exc, httpx.TimeoutException) else "unreachable"
            failure = no_answer("ENOVIA", exc, call_url=url)
            raise failure from None
        except EnoviaError as exc:  # raised by the auth flow (token endpoint)
            status = exc.outcome
            failure = exc
            raise
        finally:
            duration = time.perf_counter() - started
            if span is not None:
                span.status = status
            if self._observer is not None:
                self._observer.enovia_call("GET", endpoint, status, duration)
            # A 401 here survived the auth flow's fresh token: the credentials are refused.
            log_call(
                "GET", endpoint, status, duration, url=url, failure=failure, refused=status == "401"
            )
        _raise_for_status(response)
        return response.content


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 404:
        raise NotFound("ENOVIA has no such resource")
    if status == 410:
        raise Gone("ENOVIA deleted this resource")
    if status == 401:
        raise UpstreamAuthFailed("ENOVIA refused the gateway's credentials")
    if status == 403:
        raise Forbidden("ENOVIA does not let the gateway read this resource")
    if status == 429:
        raise RateLimited("ENOVIA is rate limiting the gateway", retry_after=retry_after(response))
    if status >= 500:
        raise UpstreamUnavailable(f"ENOVIA answered {status}", retry_after=retry_after(response))
    raise UpstreamBadResponse(f"ENOVIA answered with unexpected status {status}")
