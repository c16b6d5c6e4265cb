"""The `/graphql` endpoint: Strawberry's ASGI app with the gateway's context, GraphQL over
HTTP's content negotiation and status codes, persisted operations, and orjson."""

from __future__ import annotations

import re
import time
from typing import Any

import orjson
import structlog
from cross_web import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from enovia import deadline_after
from gateway.access_log import OPERATION, OperationNotes, note_operation
from gateway.graphiql import graphiql_page
from gateway.media import GRAPHQL_RESPONSE, JSON, negotiate
from gateway.persisted import PersistedOperations, RequestRefused
from gateway.request_context import request_context
from gateway.response_cache import Provenance
from gateway.services import Services
from gateway.tracing import caller_span
from gateway.websocket import CONNECTION_INIT_TIMEOUT, GatewayTransportWSHandler, TextFrames
from schema import Context, GatewaySchema
from schema.errors import ErrorCode, error_document

logger = structlog.get_logger("gateway.graphql")

# Per-request notes kept in the request's state between the view's hooks.
_REQUEST_ERROR = "graphql_request_error"
_MEDIA = "graphql_response_media"
_PROVENANCE = "graphql_provenance"


class GatewayGraphQL(GraphQL[Context, None]):
    """Each request gets its own context (and so its own dataloaders), and a deadline that
    bounds every ENOVIA call it makes, retries included. Subscriptions (and any operation)
    run over a WebSocket with graphql-transport-ws (`gateway.websocket`).

    Answers are `application/graphql-response+json` when the client accepts it, with 400 for
    a request that could not be executed (bad JSON, an invalid document, unknown persisted
    query...); `application/json` otherwise, with 200 for GraphQL's own errors as older
    clients expect. A client that accepts neither gets 406.
    """

    graphql_transport_ws_handler_class = GatewayTransportWSHandler
    websocket_adapter_class = TextFrames

    def __init__(
        self,
        schema: GatewaySchema,
        *,
        request_timeout: float | None = None,
        persisted: PersistedOperations,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=CONNECTION_INIT_TIMEOUT,
            # The gateway's own limits apply, with messages that say which (gateway.websocket).
            max_subscriptions_per_connection=None,
            **kwargs,
        )
        self.request_timeout = request_timeout
        self.persisted = persisted
        self.prepared = schema.prepared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media = negotiate(request.headers.get("accept"))
        setattr(request.state, _MEDIA, media)
        with deadline_after(self.request_timeout):
            try:
                response = (
                    await self._replay(request, media)
                    or await self._run_prepared(request, media)
                    or await self.run(request)
                )
            except ClientDisconnect:
                # Gone before its body was in (or timed out sending it, and answered 408 by the
                # server): nobody to answer, and not an error of ours to log with a traceback.
                logger.info("graphql.client_disconnected")
                return
            except HTTPException as refusal:
                response = _refusal(refusal.reason, refusal.status_code, media or JSON)
            except RequestRefused as refusal:
                status = 400 if media == GRAPHQL_RESPONSE else 200
                response = _refusal(refusal.message, status, media or JSON, refusal.code)
        if media is None and response.media_type == JSON:
            response = _refusal(
                f"this endpoint answers {GRAPHQL_RESPONSE} or {JSON}; the request accepts neither",
                406,
                JSON,
            )
        elif media == GRAPHQL_RESPONSE and response.media_type == JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if getattr(request.state, _REQUEST_ERROR, False) and response.status_code == 200:
                response.status_code = 400
        await response(scope, receive, send)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Any,
    ) -> Any:
        """Executes the operation; registers its document when it came with its persisted
        query hash and was executed, and keeps its answer for replays when it may be."""
        _note_operation(request, context)
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        if isinstance(request_data, GraphQLRequestData) and isinstance(result, ExecutionResult):
            await self._executed(request, request_adapter.method, request_data, result)
        return result

    async def _executed(
        self,
        request: Request,
        method: str,
        request_data: GraphQLRequestData,
        result: ExecutionResult,
    ) -> bytes | None:
        """After an operation ran (`request_data.query` its document, resolved): the document
        registered when it came with its persisted query hash; its answer kept for replays
        when it may be. Returns the kept answer's bytes (exactly what the answer, data
        without errors or extensions, encodes to), None when none was kept."""
        if not _is_request_error(result):
            self.persisted.register(request_data.query, request_data.extensions)
        services: Services = request.state.services
        cache = services.response_cache
        provenance: Provenance | None = getattr(request.state, _PROVENANCE, None)
        stamps = provenance.stamps if provenance is not None else None
        if (
            cache is not None
            and stamps
            and method == "POST"
            and not result.errors
            and not result.extensions
            and isinstance(result.data, dict)
        ):
            key = cache.key(await request.body(), request.headers.get("accept-language", ""))
            if key is not None:
                # Replayed under the name it ran as (the document's own when none was sent).
                name = request.scope["state"].get(OPERATION, request_data.operation_name)
                return cache.put(key, result.data, name, stamps)
        return None

    async def _run_prepared(self, request: Request, media: str | None) -> Response | None:
        """The answer to a POSTed JSON query whose document was prepared before, run the short
        way (`GatewaySchema.prepared`), without Strawberry's HTTP view: the body decoded once,
        no request adapter, the answer encoded once. Anything else (a stream, a new or
        invalid document, a refusal...) is None, for the full way to answer as it always
        has."""
        if media is None or request.method != "POST" or not _plain_json(request):
            return None
        request_data = _request_data(await request.body())
        if request_data is None:
            return None
        try:
            query = self.persisted.resolve(request_data.query, request_data.extensions)
        except RequestRefused:
            return None
        if query is None:
            return None
        request_data.query = query  # as `parse_http_body` resolves it for the full way
        prepared = self.prepared.ready(query, request_data.operation_name, request_data.variables)
        if prepared is None:
            return None
        context = self._context(request)
        _note_operation(request, context)
        result = await self.prepared.execute(
            prepared,
            query,
            variables=request_data.variables,
            operation_name=request_data.operation_name,
            extensions=request_data.extensions,
            context=context,
        )
        kept = await self._executed(request, "POST", request_data, result)
        if kept is not None:  # the answer, encoded once for the replays and for this request
            return Response(kept, 200, media_type=JSON)
        answer = await self.process_result(request, result)
        return Response(self.encode_json(answer), 200, media_type=JSON)

    async def _replay(self, request: Request, media: str | None) -> Response | None:
        """The response cache's answer to this very request, when it holds a current one:
        before any parsing, for the warm path's sake."""
        services: Services = request.state.services
        cache = services.response_cache
        if cache is None or media is None or request.method != "POST":
            return None
        started = time.perf_counter()
        key = cache.key(await request.body(), request.headers.get("accept-language", ""))
        replay = cache.get(key) if key is not None else None
        if replay is None:
            return None
        elapsed = time.perf_counter() - started
        services.metrics.graphql_request(replay.operation_name, "ok", elapsed)
        note_operation(request.scope.setdefault("state", {}), replay.operation_name, "ok")
        content_type = f"{GRAPHQL_RESPONSE}; charset=utf-8" if media == GRAPHQL_RESPONSE else JSON
        return Response(replay.body, 200, headers={"content-type": content_type})

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST" and "application/json" in (request.content_type or ""):
            _require_object(await request.get_body())
        data = await super().parse_http_body(request)
        if isinstance(data, list):  # batching is off: Strawberry refuses lists itself
            return data
        data.query = self.persisted.resolve(data.query, data.extensions)
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if _is_request_error(result):
            setattr(request.state, _REQUEST_ERROR, True)
            if getattr(request.state, _MEDIA, None) == GRAPHQL_RESPONSE:
                response.pop("data", None)
        return response

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return self._context(request)

    def _context(self, request: Request | WebSocket) -> Context:
        services: Services = request.state.services
        # Where the data came from matters only to a response cache.
        provenance = Provenance() if services.response_cache is not None else None
        setattr(request.state, _PROVENANCE, provenance)
        return request_context(
            services,
            request_id=request.scope.get("state", {}).get("request_id", ""),
            accept_language=request.headers.get("accept-language", ""),
            provenance=provenance,
            connection=isinstance(request, WebSocket),
            # A WebSocket's: its handshake's, for every operation on the connection.
            trace_parent=caller_span(request.headers) if services.tracer is not None else None,
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        """A browser's GET (it accepts HTML) that asks for no operation, by text or by hash."""
        params = request.query_params
        return (
            request.method == "GET"
            and params.get("query") is None
            and params.get("extensions") is None
            and "text/html" in request.headers.get("accept", "")
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page(str(request.url.replace(query="")))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> Any:
        return orjson.loads(data)


def _note_operation(request: Request, context: Context) -> None:
    """The operation's name and outcome, noted for the request's access log line."""
    context.observer = OperationNotes(context.observer, request.scope.setdefault("state", {}))


def _plain_json(request: Request) -> bool:
    """A JSON body, answered as one JSON document: no stream asked for (multipart or
    server-sent events, which Strawberry's view negotiates)."""
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != JSON:
        return False
    accept = request.headers.get("accept", "").lower()
    return "multipart/" not in accept and "event-stream" not in accept


def _request_data(body: bytes) -> GraphQLRequestData | None:
    """The body as a GraphQL request when it is a well-formed one; None for anything that
    needs telling what is wrong with it (the full way does that)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if (
        not isinstance(query, str | None)
        or not isinstance(variables, dict | None)
        or not isinstance(operation_name, str | None)
        or not isinstance(extensions, dict | None)
    ):
        return None
    return GraphQLRequestData(
        query=query,
        variables=variables,
        operation_name=operation_name,
        extensions=extensions,
        protocol="http",
    )


def _is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: no data, and no error belongs to a field."""
    return bool(
        result.data is None and result.errors and all(e.path is None for e in result.errors)
    )


#: An object or a batch: what JSON allows before a value (RFC 8259, section 2), then `{` or
#: `[`. Matched in place: the body is not copied.
_OBJECT_OR_BATCH = re.compile(rb"[ \t\r\n]*[{\[]")
_JSON_KINDS = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}


def _require_object(body: bytes) -> None:
    """Refuse a body that is JSON but not an object (Strawberry would fail on it with a 500).
    Only the first byte is looked at on the way in: an object or a batch starts with `{` or
    `[`; anything else is decoded once more to say what it is (bad JSON is Strawberry's to
    report)."""
    if _OBJECT_OR_BATCH.match(body):
        return
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    kind = "null" if value is None else _JSON_KINDS.get(type(value), "not an object")
    raise HTTPException(
        400,
        f'the body is {kind}; it must be a JSON object: {{"query": "...", "variables": {{}}}}',
    )


def _refusal(
    message: str, status: int, media: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT
) -> Response:
    """A request refused before execution, as a GraphQL-shaped body with a code (Strawberry
    would answer plain text)."""
    content_type = f"{GRAPHQL_RESPONSE}; charset=utf-8" if media == GRAPHQL_RESPONSE else JSON
    return Response(error_document(message, code), status, headers={"content-type": content_type})
