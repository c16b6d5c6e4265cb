"""Structured logs with structlog: JSON for machines, readable lines for a terminal.

The standard library's records (uvicorn, httpx) go through the same processors, so that they
are rendered alike and the same redaction applies to everything the process logs.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal, TextIO

import orjson
import structlog

REDACTED = "[redacted]"
#: Keys whose values are never logged, whatever they hold.
SECRET_KEYS = frozenset(
    {
        "authorization",
        "access_token",
        "api_key",
        "client_secret",
        "cookie",
        "ds-service-secret",
        "eno_csrf_token",
        "password",
        "refresh_token",
        "secret",
        "set-cookie",
        "ticket",
        "tgt",
        "token",
        "x-api-key",
    }
)
# Credentials inside free text: "Bearer <token>", "Basic <base64>", "client_secret=<...>",
# and the 3DEXPERIENCE platform's: CAS tickets in URLs (`tgt=`, `ticket=`, `lt=`), session
# cookies (`CASTGC...=`, `JSESSIONID=`) and the CSRF token.
_CREDENTIALS_IN_TEXT = re.compile(
    r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"
    r"|\b(client_secret|access_token|password|tgt|ticket|lt|CASTGC\w*|JSESSIONID|SERVERID"
    r"|ENO_CSRF_TOKEN)[=:]\s*([^&;,\s\"']+)"
)


def redact_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: secret keys are replaced, credentials in strings are masked."""
    for key, value in event_dict.items():
        if key.lower() in SECRET_KEYS:
            event_dict[key] = REDACTED
        elif isinstance(value, str):
            event_dict[key] = _mask(value)
    return event_dict


#: What the formatter renders after `redact_secrets` ran: a traceback, a stack.
RENDERED_KEYS = ("exception", "stack")


def redact_rendered(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor for after `format_exc_info`: credentials in the rendered
    traceback and stack are masked. Everything else was redacted once already: a second
    pass over every value cost a sixth of an access line."""
    for key in RENDERED_KEYS:
        value = event_dict.get(key)
        if isinstance(value, str):
            event_dict[key] = _mask(value)
    return event_dict


#: Extras that are another rendering of the message, never logged: uvicorn's `color_message`
#: is the message with ANSI colour escapes (for its own formatter, not used here).
DROPPED_KEYS = frozenset({"color_message"})


def drop_renderings(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: the keys of `DROPPED_KEYS` are removed from the event."""
    for key in DROPPED_KEYS.intersection(event_dict):
        del event_dict[key]
    return event_dict


def _mask(text: str) -> str:
    if not _CREDENTIALS_IN_TEXT.search(text):
        return text
    return _CREDENTIALS_IN_TEXT.sub(
        lambda match: (
            f"{match.group(1)} {REDACTED}" if match.group(1) else f"{match.group(2)}={REDACTED}"
        ),
        text,
    )


def _orjson_text(event: Any, **_: Any) -> str:
    """JSON for a log line with orjson (an access line each request: the standard library's
    encoder took a tenth of the line's cost); what it cannot encode is written as its repr,
    as structlog's own fallback does."""
    return orjson.dumps(event, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()


def configure_logging(
    level: str = "INFO",
    log_format: Literal["console", "json"] = "console",
    stream: TextIO | None = None,
) -> None:
    """Set up structlog and the standard library's logging to write to `stream` (stderr),
    once per process at start-up: the CLI and the worker factory call it, nothing at import."""
    stream = stream or sys.stderr
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        drop_renderings,
        redact_secrets,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(serializer=_orjson_text)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_rendered,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric_level)
    # httpx logs each request at INFO: the gateway's own `enovia.call` event says the same
    # with the endpoint template, so httpx's lines are kept for DEBUG only.
    logging.getLogger("httpx").setLevel(
        logging.DEBUG if numeric_level <= logging.DEBUG else logging.WARNING
    )
