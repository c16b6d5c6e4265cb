"""The simulated ENOVIA: `POST /oauth2/token` and the `/api/v1` endpoints, faults included.

Every call goes through the same steps, in this order: counted in the stats; waits the
latency (+ jitter); held while `hang` is on (API only); 503 while `down`; then for the API
401 without a good bearer token, 429 on every Nth call under `rate_limit`, the error status
for an `error_rate` draw, a `malformed` answer for that document, and finally the real one,
read from the documents at that moment. Last, an API answer (whichever it is) travels: it is
held `wire_delay_ms` before it is sent, so a change made meanwhile is not in it. A client that
leaves while its call is held (`hang`, `wire_delay_ms`) gets nothing, and the call is counted
without a status.
"""

from __future__ import annotations

import base64
import binascii
from typing import Final
from urllib.parse import parse_qs, unquote_plus

from starlette.types import Receive, Scope, Send

from enovia.simulators.common.asgi import (
    HTML,
    Answer,
    BodyTooLarge,
    error_answer,
    header,
    json_answer,
    method_not_allowed,
    read_body,
)
from enovia.simulators.common.calls import pause, serve, travelled
from enovia.simulators.common.credentials import same_secret
from enovia.simulators.common.faults import MalformedKind
from enovia.simulators.common.paths import encode_segments
from enovia.simulators.common.routing import scope_segments
from enovia.simulators.facade.model import document_json, revision_json
from enovia.simulators.facade.state import SimulatorState
from enovia.simulators.facade.stats import DOCUMENT, HEALTH, LATEST, REVISION, TOKEN, UNMATCHED

# A token request is a short form; anything bigger is refused without reading it all.
TOKEN_BODY_LIMIT: Final = 64 * 1024
# The seed's scope, answered when the client asks for none.
DEFAULT_SCOPE: Final = "read documents revisions"

_HEALTH_OK: Final = json_answer(200, {"status": "ok", "version": "sim-1"})
_UNAVAILABLE: Final = error_answer(503, "unavailable")
_TOKEN_UNAVAILABLE: Final = error_answer(
    503, "temporarily_unavailable", "The token endpoint is down"
)
_INVALID_TOKEN: Final = error_answer(
    401,
    "invalid_token",
    "Missing, expired or revoked access token",
    ((b"www-authenticate", b'Bearer error="invalid_token"'),),
)
_NO_ENDPOINT: Final = error_answer(404, "not_found", "No such endpoint")
_GET_ONLY: Final = method_not_allowed(("GET",))
_POST_ONLY: Final = method_not_allowed(("POST",))
_DOCUMENT_NOT_FOUND: Final = error_answer(404, "not_found", "Document not found")
_REVISION_NOT_FOUND: Final = error_answer(404, "not_found", "Revision not found")
_NONE_RELEASED: Final = error_answer(404, "not_found", "No released revision")
_GONE: Final = error_answer(410, "gone", "Document deleted")
_TOKEN_HEADERS: Final = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))

_HTML_PAGE: Final = (
    b"<!DOCTYPE html>\n<html><head><title>Service error</title></head>"
    b"<body><h1>Service error</h1><p>The request could not be processed.</p></body></html>\n"
)
_WRONG_TYPES_REVISION: Final = {
    "revision": 2,
    "maturityState": 5,
    "releasedDate": "yesterday",
    "supersededBy": False,
    "lastModified": 1705314600,
    "pages": "ten",
}


def _malformed(kind: MalformedKind, doc_uid: str, template: str) -> Answer:
    """The broken 200 answer of *kind* for *template*."""
    if kind == "not_json":
        return Answer(200, b"{not json")
    if kind == "html":
        return Answer(200, _HTML_PAGE, HTML)
    if kind == "empty":
        return Answer(200, b"")
    document = template == DOCUMENT
    if kind == "wrong_types":
        if document:
            data: dict[str, object] = {
                "id": doc_uid,
                "title": 123,
                "number": ["PTE"],
                "type": None,
                "createdAt": "not a date",
                "updatedAt": 20240115,
            }
        else:
            data = {"id": doc_uid, **_WRONG_TYPES_REVISION}
        return json_answer(200, data)
    # missing_fields: no id, no revision, no maturityState.
    return json_answer(200, {} if document else {"releasedDate": None, "pages": 1})


def _bearer_token(scope: Scope) -> str | None:
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _route_api(segments: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(template, identifiers) for an `/api` path below `/api`; UNMATCHED when none fits."""
    match segments:
        case ("v1", "health"):
            return HEALTH, ()
        case ("v1", "documents", doc_uid):
            return DOCUMENT, (doc_uid,)
        case ("v1", "documents", doc_uid, "revisions", "latest"):
            return LATEST, (doc_uid,)
        case ("v1", "documents", doc_uid, "revisions", revision):
            return REVISION, (doc_uid, revision)
    return UNMATCHED, ()


class EnoviaApi:
    """The ENOVIA-facing endpoints over one simulator's state, as two ASGI apps."""

    def __init__(self, state: SimulatorState) -> None:
        self._state = state

    async def token_endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI app for everything below `/oauth2`."""
        segments = scope_segments(scope)
        refusal: Answer | None = None
        template = TOKEN
        if segments != ("token",):
            template, refusal = UNMATCHED, _NO_ENDPOINT
        elif scope["method"] != "POST":
            template, refusal = UNMATCHED, _POST_ONLY
        path = encode_segments(("oauth2", *segments))
        answering = self._token_answer(scope, receive, refusal)
        await serve(self._state, template, path, send, answering, headers=scope["headers"])

    async def api_endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI app for everything below `/api`."""
        segments = scope_segments(scope)
        template, ids = _route_api(segments)
        refusal: Answer | None = None
        if template == UNMATCHED:
            refusal = _NO_ENDPOINT
        elif scope["method"] != "GET":
            template, refusal = UNMATCHED, _GET_ONLY
        path = encode_segments(("api", *segments))
        answering = self._api_answer(scope, receive, template, ids, refusal)
        travelling = travelled(self._state, receive, answering)
        await serve(self._state, template, path, send, travelling, headers=scope["headers"])

    async def _token_answer(
        self, scope: Scope, receive: Receive, refusal: Answer | None
    ) -> Answer | None:
        state = self._state
        await pause(state)
        faults = state.faults
        if faults.down:
            return _UNAVAILABLE
        if refusal is not None:
            return refusal
        if faults.token_endpoint_down:
            return _TOKEN_UNAVAILABLE
        try:
            body = await read_body(receive, TOKEN_BODY_LIMIT)
        except BodyTooLarge:
            return error_answer(413, "invalid_request", "Request body too large")
        if body is None:
            return None
        try:
            fields = parse_qs(body.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            return error_answer(400, "invalid_request", "The form is not UTF-8")
        form = {name: values[0] for name, values in fields.items()}
        failure = self._authenticate_client(scope, form)
        if failure is not None:
            return failure
        grant_type = form.get("grant_type")
        if grant_type is None:
            return error_answer(400, "invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            return error_answer(
                400, "unsupported_grant_type", "Only client_credentials is supported"
            )
        ttl = state.faults.token_ttl
        token = state.tokens.issue(ttl)
        data = {
            "access_token": token,
            "token_type": "Bearer",
            # An integer whenever the ttl is whole: what OAuth2 clients usually expect.
            "expires_in": int(ttl) if float(ttl).is_integer() else ttl,
            "scope": form.get("scope") or DEFAULT_SCOPE,
        }
        return json_answer(200, data, _TOKEN_HEADERS)

    def _authenticate_client(self, scope: Scope, form: dict[str, str]) -> Answer | None:
        """None when the client's credentials are good, else the 401 to answer.

        HTTP Basic (client_secret_basic) wins over form fields (client_secret_post).
        """
        config = self._state.config
        basic = header(scope, b"authorization")
        if basic is not None and basic[:6].lower() == b"basic ":
            refusal = error_answer(
                401,
                "invalid_client",
                "Client authentication failed",
                ((b"www-authenticate", b'Basic realm="ENOVIA"'),),
            )
            try:
                decoded = base64.b64decode(basic[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return refusal
            client_id, colon, secret = decoded.partition(":")
            if not colon:
                return refusal
            # RFC 6749 form-encodes both before base64; many clients do not: accept either.
            candidates = [(client_id, secret), (unquote_plus(client_id), unquote_plus(secret))]
        else:
            refusal = error_answer(401, "invalid_client", "Client authentication failed")
            candidates = [(form.get("client_id", ""), form.get("client_secret", ""))]
        for client_id, secret in candidates:
            if same_secret(client_id, config.client_id) and same_secret(
                secret, config.client_secret
            ):
                return None
        return refusal

    async def _api_answer(
        self,
        scope: Scope,
        receive: Receive,
        template: str,
        ids: tuple[str, ...],
        refusal: Answer | None,
    ) -> Answer | None:
        state = self._state
        await pause(state)
        if await state.held(receive):
            return None
        faults = state.faults
        if faults.down:
            return _UNAVAILABLE
        token = _bearer_token(scope)
        if token is None or not state.tokens.is_valid(token):
            return _INVALID_TOKEN
        retry_after = state.draw_rate_limit()
        if retry_after is not None:
            return error_answer(
                429,
                "rate_limited",
                "Too many requests",
                ((b"retry-after", str(retry_after).encode()),),
            )
        if state.draw_error():
            return error_answer(faults.error_status, "simulated_error", "Simulated failure")
        if refusal is not None:
            return refusal
        if template == HEALTH:
            return _HEALTH_OK
        doc_uid = ids[0]
        kind = faults.malformed.get(doc_uid)
        if kind is not None:
            return _malformed(kind, doc_uid, template)
        document = state.store.get(doc_uid)
        if document is None:
            return _DOCUMENT_NOT_FOUND
        if document.deleted:
            return _GONE
        if template == DOCUMENT:
            return json_answer(200, document_json(document))
        if template == LATEST:
            revision = document.latest_released()
            if revision is None:
                return _NONE_RELEASED
        else:
            revision = document.find(ids[1])
            if revision is None:
                return _REVISION_NOT_FOUND
        return json_answer(200, revision_json(document, revision))
