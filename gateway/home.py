"""`GET /`: a small page that says what this service is and where its paths are.

It holds no data and calls nothing, so it is open like the liveness path. Its links are
relative, so that they still work behind a reverse proxy that mounts the gateway under a prefix.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

import gateway

#: The paths a person or a program looks for first, with what each is for.
PATHS: tuple[tuple[str, str], ...] = (
    (
        "graphql",
        "the GraphQL API: POST or GET a query; a browser gets GraphiQL where it is on; "
        "WebSocket for subscriptions",
    ),
    ("api/v1/health", "liveness: the gateway runs (asks ENOVIA nothing)"),
    ("api/v1/ready", "readiness: this process serves (asks ENOVIA and Redis nothing)"),
    ("api/v1/health/detailed", "readiness in depth: asks ENOVIA and the cache now"),
    ("metrics", "Prometheus metrics"),
)
DOCS = "README.md and docs/ in the gateway's repository (docs/api.md for frontend developers)"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ENOVIA GraphQL gateway</title>
</head>
<body style="font-family: sans-serif; max-width: 44rem; margin: 3rem auto; line-height: 1.5">
  <h1>ENOVIA GraphQL gateway {version}</h1>
  <p>Engineering documents and revisions from ENOVIA PLM, and whether a scanned revision is
  still the one to build from.</p>
  <ul>
{items}
  </ul>
  <p>Documentation: {docs}.</p>
</body>
</html>
"""


def _page() -> str:
    items = "\n".join(
        f'    <li><a href="{path}"><code>/{path}</code></a>: {what}</li>' for path, what in PATHS
    )
    return _PAGE.format(version=gateway.__version__, items=items, docs=DOCS)


async def home(request: Request) -> Response:
    """HTML for a browser; the same as JSON for a program that asks for it (`Accept`)."""
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JSONResponse(
            {
                "service": "enovia-gateway",
                "version": gateway.__version__,
                "paths": {f"/{path}": what for path, what in PATHS},
                "docs": DOCS,
            }
        )
    return HTMLResponse(_page())
