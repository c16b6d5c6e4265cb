"""The `/graphql` endpoint: Strawberry's ASGI app with the gateway's context and JSON."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.graphiql import graphiql_page
from gateway.services import Services
from schema import Context


class GatewayGraphQL(GraphQL[Context, None]):
    """Each request gets its own context (and so its own dataloaders)."""

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
