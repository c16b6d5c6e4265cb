"""A request as the platform reads it: query, cookies, headers, and its own absolute URL.

The URLs the simulator hands out (redirects, service URLs, the graph's `source`) are built
from the request's scheme and `Host` header, so they point back wherever the client reached
the simulator, on any port.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, quote, unquote, unquote_plus, urlsplit

from starlette.types import Scope

from enovia.simulators.common.asgi import header

PASSPORT_ROOT: Final = "/3dpassport"
SPACE_ROOT: Final = "/3dspace"


def text_header(scope: Scope, name: bytes) -> str | None:
    """The first value of header *name* (lower case) of *scope* as text, or None."""
    value = header(scope, name)
    return None if value is None else value.decode("latin-1")


def _cookies(value: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in (value or "").split(";"):
        name, eq, content = part.strip().partition("=")
        if eq and name and name not in cookies:
            cookies[name] = content.strip().strip('"')
    return cookies


def _origin(scope: Scope) -> str:
    scheme: str = scope.get("scheme", "http")
    host = header(scope, b"host")
    if host:
        return f"{scheme}://{host.decode('latin-1')}"
    server = scope.get("server")
    if server is None:
        return f"{scheme}://localhost"
    name, port = server
    return f"{scheme}://{name}:{port}" if port is not None else f"{scheme}://{name}"


def without_param(query_string: str, name: str) -> str:
    """*query_string* without every *name* parameter, the rest exactly as sent."""
    kept = [
        part
        for part in query_string.split("&")
        if part and unquote_plus(part.partition("=")[0]) != name
    ]
    return "&".join(kept)


def with_ticket(service: str, ticket: str) -> str:
    """*service* with `ticket=<ticket>` added to its query, as CAS redirects."""
    separator = "&" if "?" in service else "?"
    return f"{service}{separator}ticket={quote(ticket, safe='')}"


def _service_key(url: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ticket"]
    return unquote(parts.path), sorted(query)


def same_service(granted: str, presented: str) -> bool:
    """Whether a ticket granted for *granted* may be redeemed at *presented*: the same path
    and the same query parameters (in any order, encoded any way), `ticket` aside. Scheme
    and host are not compared: a proxy may rewrite them."""
    return _service_key(granted) == _service_key(presented)


def is_absolute_http(url: str) -> bool:
    """Whether *url* is an absolute http(s) URL (what a CAS service must be)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True, slots=True)
class Call:
    """One request to 3DPassport or 3DSpace, parsed once."""

    scope: Scope
    method: str
    origin: str
    raw_path: str
    query_string: str
    query: Mapping[str, str]
    cookies: Mapping[str, str]

    @classmethod
    def of(cls, scope: Scope) -> Call:
        """The request of *scope*; a query parameter given twice counts by its first value."""
        raw: bytes | None = scope.get("raw_path")
        # Some clients put the query string into raw_path; a literal "?" is encoded.
        raw_path = quote(scope["path"]) if raw is None else raw.partition(b"?")[0].decode("latin-1")
        query_string = scope.get("query_string", b"").decode("latin-1")
        query: dict[str, str] = {}
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            query.setdefault(name, value)
        return cls(
            scope,
            scope["method"],
            _origin(scope),
            raw_path,
            query_string,
            query,
            _cookies(text_header(scope, b"cookie")),
        )

    def header(self, name: bytes) -> str | None:
        """The first value of header *name* (lower case), or None."""
        return text_header(self.scope, name)

    @property
    def secure(self) -> bool:
        """Whether the client came over https (cookies are then marked Secure)."""
        return self.origin.startswith("https:")

    @property
    def url(self) -> str:
        """This request's absolute URL, path and query exactly as sent."""
        query = f"?{self.query_string}" if self.query_string else ""
        return f"{self.origin}{self.raw_path}{query}"

    def url_without(self, name: str) -> str:
        """This request's absolute URL without the *name* query parameter."""
        query = without_param(self.query_string, name)
        return f"{self.origin}{self.raw_path}{'?' + query if query else ''}"

    @property
    def passport(self) -> str:
        """3DPassport's root URL, as this client reaches it."""
        return self.origin + PASSPORT_ROOT

    @property
    def space(self) -> str:
        """3DSpace's root URL, as this client reaches it."""
        return self.origin + SPACE_ROOT
