"""The floor of this HTTP stack: a bare Starlette endpoint answering fixed JSON bytes.

Served by uvicorn with the gateway's settings (one worker, uvloop, httptools), it answers
`POST /graphql` with the bytes of the file named by `BENCH_FLOOR_BODY_FILE` (the gateway's
own answer to the benchmarked query), after reading the request body as the gateway must.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = Path(os.environ["BENCH_FLOOR_BODY_FILE"]).read_bytes()


async def graphql(request: Request) -> Response:
    await request.body()
    return Response(BODY, media_type="application/json")


async def health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[
        Route("/graphql", graphql, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ]
)
