"""`enovia-gateway check UID REVISION`: one actuality verdict for a person at a terminal.

stdout holds the verdict alone; logs (and a failure to answer at all) go to stderr. The exit
status is ACTUAL (0), NOT_ACTUAL (1) or COULD_NOT_TELL (2).
"""

from __future__ import annotations

import sys
from typing import Any

from graphql import GraphQLError

from gateway.request_context import request_context
from gateway.services import open_services
from gateway.settings import Settings
from schema import create_schema

ACTUAL, NOT_ACTUAL, COULD_NOT_TELL = 0, 1, 2

#: The data says CURRENT but ENOVIA could not confirm it now (the data is STALE).
UNCONFIRMED = "UNCONFIRMED"
#: The error code of a field whose document was deleted in ENOVIA (410).
GONE = "GONE"

CHECK_QUERY = """
query Check($uid: ID!, $revision: String!, $maxAge: Int, $lang: String) {
  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {
    isActual
    reason
    lastKnownReason
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
    """Print the verdict; return ACTUAL, NOT_ACTUAL, or COULD_NOT_TELL.

    COULD_NOT_TELL when there is no verdict at all (the reason is printed to stderr) and
    when the verdict is UNCONFIRMED (printed to stdout, saying why it cannot be relied on).
    """
    async with open_services(settings) as services:
        context = request_context(services)
        result = await create_schema().execute(
            CHECK_QUERY,
            variable_values={"uid": uid, "revision": revision, "maxAge": max_age, "lang": lang},
            context_value=context,
        )
    verdict = (result.data or {}).get("actuality")
    if verdict is None:
        error = result.errors[0] if result.errors else None
        code = _code(error) or "ERROR"
        message = error.message if error else "no answer"
        print(f"{uid} {revision}: could not tell: {message} ({code})", file=sys.stderr)
        return COULD_NOT_TELL
    deleted = any(_code(error) == GONE for error in result.errors or ())
    print(format_verdict(uid, revision, verdict, deleted=deleted))
    return exit_status(verdict)


def exit_status(verdict: dict[str, Any]) -> int:
    """ACTUAL only when the verdict says so; COULD_NOT_TELL when it is UNCONFIRMED."""
    if verdict["isActual"]:
        return ACTUAL
    return COULD_NOT_TELL if verdict["reason"] == UNCONFIRMED else NOT_ACTUAL


def format_verdict(
    uid: str, revision: str, verdict: dict[str, Any], *, deleted: bool = False
) -> str:
    """The verdict as lines for a person: the headline first, then why, status, latest, time.

    *deleted*: the answer's errors say the document was deleted in ENOVIA (code GONE), so
    "no latest released revision" is said as that rather than as "none released".
    """
    reason = verdict["reason"]
    lines = [f"{uid} revision {revision}: {_headline(verdict)} ({reason})"]
    if reason == UNCONFIRMED:
        lines.append(_unconfirmed_explanation(verdict))
    status = verdict["businessStatus"]
    lines += [
        f"  status:          {status['label']} ({status['code']})",
        f"  latest released: {_latest(verdict, deleted)}",
        f"  checked at:      {verdict['checkedAt']} ({verdict['freshness']})",
    ]
    return "\n".join(lines)


def _headline(verdict: dict[str, Any]) -> str:
    if verdict["isActual"]:
        return "ACTUAL"
    return "COULD NOT CONFIRM" if verdict["reason"] == UNCONFIRMED else "NOT ACTUAL"


def _unconfirmed_explanation(verdict: dict[str, Any]) -> str:
    last_known = verdict.get("lastKnownReason") or "no verdict"
    return (
        f"  why:             ENOVIA could not be reached just now; the last data it gave, "
        f"checked at {verdict['checkedAt']}, said {last_known}: do not build from it until "
        f"it is confirmed"
    )


def _latest(verdict: dict[str, Any], deleted: bool) -> str:
    latest = (verdict.get("latestRevision") or {}).get("revision")
    if latest:
        return str(latest)
    return "— (the document was deleted in ENOVIA)" if deleted else "none released"


def _code(error: GraphQLError | None) -> str | None:
    """The error's `extensions.code`, when it has one."""
    if error is None:
        return None
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None
