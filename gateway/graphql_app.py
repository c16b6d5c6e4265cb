"""The `/graphql` endpoint: Strawberry's ASGI app with the gateway's context and JSON."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.enovia import deadline_after
from gateway.errors import ErrorCode
from gateway.graphiql import graphiql_page
from gateway.services import Services
from schema import Context


class GatewayGraphQL(GraphQL[Context, None]):
    """Each request gets its own context (and so its own dataloaders), and a deadline that
    bounds every ENOVIA call it makes, retries included."""

    def __init__(self, *args: Any, request_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_timeout = request_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        with deadline_after(self.request_timeout):
            try:
                response = await self.run(Request(scope, receive=receive))
            except HTTPException as refusal:
                response = _refusal(refusal)
            await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        services: Services = request.state.services
        return Context.for_request(services, request.scope.get("state", {}).get("request_id", ""))

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page(str(request.url.replace(query="")))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> Any:
        return orjson.loads(data)


def _refusal(refusal: HTTPException) -> Response:
    """A request refused before execution (bad JSON, no query, a mutation over GET...), as a
    GraphQL-shaped body with a code instead of Strawberry's plain text."""
    body = {
        "errors": [
            {"message": refusal.reason, "extensions": {"code": ErrorCode.BAD_USER_INPUT.value}}
        ]
    }
    return Response(orjson.dumps(body), refusal.status_code, media_type="application/json")
