"""GraphiQL from the gateway's own files, so that it works on a network with no internet.

The files (GraphiQL, React, ReactDOM: pinned in `graphiql/package.json` and its lock) come from
the npm registry when the project is built (`make graphiql`) and are served under
`/graphql/assets/`. When they were not built, the page says so and how to build them. The page
runs queries over HTTP and subscriptions over a WebSocket (graphql-transport-ws, with the
`graphql-ws` client that graphiql.min.js bundles), both to the URL it was served from.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.responses import HTMLResponse

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSET_FILES = (
    "graphiql.min.css",
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
)

FIRST_QUERY = """# The QR-scan check: a document, its latest revision, and is revision A current?
query Scan {
  document(uid: "DOC-001") {
    uid title number type freshness checkedAt
    latestRevision { revision maturityState businessStatus { code label } }
  }
  actuality(uid: "DOC-001", revision: "A") {
    isActual reason
    businessStatus { code label(lang: "en") }
    latestRevision { revision }
    checkedAt freshness
  }
}
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>ENOVIA gateway · GraphiQL</title>
  <link rel="stylesheet" href="graphql/assets/graphiql.min.css">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="graphql/assets/react.production.min.js"></script>
  <script src="graphql/assets/react-dom.production.min.js"></script>
  <script src="graphql/assets/graphiql.min.js"></script>
  <script>
    // Queries over HTTP to this very URL; subscriptions over a WebSocket to it (graphql-ws,
    // bundled in graphiql.min.js): ws: or wss: as the page is http: or https:.
    const url = window.location.pathname;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const subscriptionUrl = `${{scheme}}//${{window.location.host}}${{url}}`;
    const fetcher = GraphiQL.createFetcher({{ url, subscriptionUrl }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultQuery: {first_query} }})
    );
  </script>
</body>
</html>
"""

_NOT_BUILT = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ENOVIA gateway · GraphiQL not built</title></head>
<body style="font-family: sans-serif; max-width: 44rem; margin: 3rem auto; line-height: 1.5">
  <h1>GraphiQL's files are not built</h1>
  <p>The gateway serves GraphiQL from its own files so that it works without internet access.
  They come from the npm registry when the project is built: run <code>make graphiql</code>
  (needs Node.js and npm) and reload this page.</p>
  <p>The GraphQL API itself works: POST a query to this URL, for example</p>
  <pre>curl -s {url} -H 'Content-Type: application/json' \\
  -d '{{"query": "{{ document(uid: \\"DOC-001\\") {{ title }} }}"}}'</pre>
</body>
</html>
"""


def assets_built(directory: Path = ASSETS_DIR) -> bool:
    return all((directory / name).is_file() for name in ASSET_FILES)


def graphiql_page(url: str, directory: Path = ASSETS_DIR) -> HTMLResponse:
    """GraphiQL, or a page that says how to build it (`url`: this endpoint, for the example)."""
    if not assets_built(directory):
        return HTMLResponse(_NOT_BUILT.format(url=url))
    # json.dumps makes a safe JS string literal; "</" is escaped so it cannot close the script.
    first_query = json.dumps(FIRST_QUERY).replace("</", "<\\/")
    return HTMLResponse(_PAGE.format(first_query=first_query))
