"""`enovia-gateway check UID REVISION`: one actuality verdict for a person at a terminal."""

from __future__ import annotations

import sys
from typing import Any

from gateway.services import open_services
from gateway.settings import Settings
from schema import Context, create_schema

ACTUAL, NOT_ACTUAL, COULD_NOT_TELL = 0, 1, 2

CHECK_QUERY = """
query Check($uid: ID!, $revision: String!, $maxAge: Int, $lang: String) {
  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {
    isActual
    reason
    businessStatus { code label(lang: $lang) }
    latestRevision { revision }
    checkedAt
    freshness
  }
}
"""


async def run_check(
    settings: Settings, uid: str, revision: str, lang: str, max_age: int | None
) -> int:
    """Print the verdict; return 0 when actual, 1 when not, 2 when it could not be told."""
    async with open_services(settings) as services:
        context = Context.for_request(services)
        result = await create_schema().execute(
            CHECK_QUERY,
            variable_values={"uid": uid, "revision": revision, "maxAge": max_age, "lang": lang},
            context_value=context,
        )
    verdict = (result.data or {}).get("actuality")
    if verdict is None:
        error = result.errors[0] if result.errors else None
        code = (error.extensions or {}).get("code", "ERROR") if error else "ERROR"
        message = error.message if error else "no answer"
        print(f"{uid} {revision}: could not tell: {message} ({code})", file=sys.stderr)
        return COULD_NOT_TELL
    print(format_verdict(uid, revision, verdict))
    return ACTUAL if verdict["isActual"] else NOT_ACTUAL


def format_verdict(uid: str, revision: str, verdict: dict[str, Any]) -> str:
    status = verdict["businessStatus"]
    latest = (verdict.get("latestRevision") or {}).get("revision") or "none released"
    headline = "ACTUAL" if verdict["isActual"] else "NOT ACTUAL"
    return "\n".join(
        [
            f"{uid} revision {revision}: {headline} ({verdict['reason']})",
            f"  status:          {status['label']} ({status['code']})",
            f"  latest released: {latest}",
            f"  checked at:      {verdict['checkedAt']} ({verdict['freshness']})",
        ]
    )
