"""The `/graphql` endpoint: Strawberry's ASGI app with the gateway's context, GraphQL over
HTTP's content negotiation and status codes, persisted operations, and orjson."""

from __future__ import annotations

import time
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from gateway.enovia import deadline_after
from gateway.errors import ErrorCode
from gateway.graphiql import graphiql_page
from gateway.media import GRAPHQL_RESPONSE, JSON, negotiate
from gateway.persisted import PersistedOperations, RequestRefused
from gateway.response_cache import ResponseCache
from gateway.services import Services
from schema import Context

_REQUEST_ERROR = "graphql_request_error"


class GatewayGraphQL(GraphQL[Context, None]):
    """Each request gets its own context (and so its own dataloaders), and a deadline that
    bounds every ENOVIA call it makes, retries included.

    Answers are `application/graphql-response+json` when the client accepts it, with 400 for
    a request that could not be executed (bad JSON, an invalid document, unknown persisted
    query...); `application/json` otherwise, with 200 for GraphQL's own errors as older
    clients expect. A client that accepts neither gets 406.
    """

    def __init__(
        self,
        *args: Any,
        request_timeout: float | None = None,
        persisted: PersistedOperations | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.request_timeout = request_timeout
        self.persisted = persisted or PersistedOperations()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media = negotiate(request.headers.get("accept"))
        with deadline_after(self.request_timeout):
            try:
                response = await self.run(request)
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
        """Executes the operation, or replays its answer from the response cache."""
        started = time.perf_counter()
        cache = context.services.response_cache
        key = _cache_key(cache, request_adapter.method, request_data)
        if cache is not None and key is not None:
            data = cache.get(key)
            if data is not None:
                name = getattr(request_data, "operation_name", None)
                context.services.metrics.graphql_request(name, "ok", time.perf_counter() - started)
                return ExecutionResult(data=data, errors=None)
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        stamps = context.loaders.stamps
        if (
            cache is not None
            and key is not None
            and stamps
            and isinstance(result, ExecutionResult)
            and not result.errors
            and not result.extensions
            and isinstance(result.data, dict)
        ):
            cache.put(key, result.data, stamps)
        return result

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, list):  # batching is off: Strawberry refuses lists itself
            return data
        data.query = self.persisted.resolve(data.query, data.extensions)
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # A request error: nothing was executed (no data, and no error belongs to a field).
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            setattr(request.state, _REQUEST_ERROR, True)
            if negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE:
                response.pop("data", None)
        return response

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        services: Services = request.state.services
        return Context.for_request(services, request.scope.get("state", {}).get("request_id", ""))

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


def _refusal(
    message: str, status: int, media: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT
) -> Response:
    """A request refused before execution, as a GraphQL-shaped body with a code (Strawberry
    would answer plain text)."""
    body = {"errors": [{"message": message, "extensions": {"code": code.value}}]}
    content_type = f"{GRAPHQL_RESPONSE}; charset=utf-8" if media == GRAPHQL_RESPONSE else JSON
    return Response(orjson.dumps(body), status, headers={"content-type": content_type})


def _cache_key(
    cache: ResponseCache | None,
    method: str,
    request_data: GraphQLRequestData | list[GraphQLRequestData],
) -> bytes | None:
    # POST only: what a GET may run is decided by Strawberry while executing, not here.
    if cache is None or method != "POST" or not isinstance(request_data, GraphQLRequestData):
        return None
    if request_data.query is None:
        return None
    return cache.key(request_data.query, request_data.operation_name, request_data.variables)
