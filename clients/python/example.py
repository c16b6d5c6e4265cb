"""The generated Python client against a running gateway, partial answers included.

    python clients/python/example.py    # needs httpx and pydantic 2 (the gateway's venv has them)

asks the gateway at GRAPHQL_URL (not GATEWAY_*: the gateway warns of such variables that are not
its settings; by default the demo's, `make demo`) for one QR-scan verdict and
for a document list in which one uid is unknown and one invalid, and prints each document or
its error: the documents found arrive typed even though the others failed.
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
from enovia_gateway_client import GatewayClient, GraphQLClientError
from enovia_gateway_client.partial_data import with_errors

DEMO_URL = "http://127.0.0.1:8000/graphql"
UIDS = ["DOC-001", "DOC-MISSING", "DOC-004", ".."]


async def main(url: str) -> None:
    async with GatewayClient(url=url) as gateway:
        actuality = (await gateway.scan_check(uid="DOC-001", revision="A", lang="en")).actuality
        if actuality is not None:  # None comes with an error, and scan_check raised that
            latest = actuality.latest_revision.revision if actuality.latest_revision else "-"
            build = "build from it" if actuality.is_actual else f"build from rev. {latest}"
            print(f"scan DOC-001 rev. A: {actuality.reason.value}, {build}")

        # document_list() alone would raise on the first failed uid and drop the others.
        result = await with_errors(gateway.document_list, uids=UIDS, lang="en")
        for index, (uid, document) in enumerate(zip(UIDS, result.data.documents, strict=True)):
            if document is None:
                error = result.error_for("documents", index)
                code = (error.extensions or {}).get("code") if error else None
                print(f"list {uid}: {code} ({error.message if error else 'no error'})")
            elif document.latest_revision is None:
                print(f"list {uid}: {document.number} no released revision")
            else:
                latest_revision = document.latest_revision
                label = latest_revision.business_status.label
                print(f"list {uid}: {document.number} rev. {latest_revision.revision}, {label}")


if __name__ == "__main__":
    gateway_url = os.environ.get("GRAPHQL_URL") or DEMO_URL
    try:
        asyncio.run(main(gateway_url))
    except httpx.TransportError as failure:
        sys.exit(f"example: {gateway_url}: {failure!r} (is the gateway running? make demo)")
    except (GraphQLClientError, httpx.HTTPError) as failure:
        sys.exit(f"example: {gateway_url}: {failure}")
