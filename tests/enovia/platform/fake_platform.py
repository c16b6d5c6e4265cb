"""A scripted stand-in for the platform, as an httpx transport: for the behaviours the
simulator cannot be made to show (a session lost again right after a new login, a search
hit whose object alone was deleted, odd login answers)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import orjson

SPACE = "https://plm.test/3dspace"
PASSPORT = "https://plm.test/3dpassport"
CONTEXT = "Role.Org.Space"


def oid(n: int) -> str:
    return f"{n:032X}"


@dataclass
class Obj:
    id: str
    name: str
    label: str
    state: str
    made_from: str | None = None
    type: str = "Document"

    def item(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "relativePath": f"/resources/v1/modeler/documents/{self.id}",
            "dataelements": {
                "name": self.name,
                "title": f"title {self.name}",
                "revision": self.label,
                "state": self.state,
                "originated": f"2024-01-{int(self.id, 16) % 28 + 1:02d}T00:00:00Z",
                "modified": "2024-02-01T00:00:00Z",
            },
        }


@dataclass
class FakePlatform:
    #: Objects that exist (by id); `indexed` are what search finds (may hold deleted ones).
    objects: dict[str, Obj] = field(default_factory=dict)
    indexed: list[Obj] = field(default_factory=list)
    #: 3DSpace calls a session opened from now on serves before it ends (None: all).
    session_lives: int | None = None
    transient_refusals: int = 0
    token_type: str = "CAS_TRANSIENT"
    #: Where the service login's last redirect goes (None: back to 3DSpace).
    service_redirect: str | None = None
    calls: list[str] = field(default_factory=list)
    _sessions: dict[str, int | None] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, *objects: Obj, indexed: bool = True) -> None:
        for obj in objects:
            self.objects[obj.id] = obj
            if indexed:
                self.indexed.append(obj)

    def end_sessions(self) -> None:
        self._sessions.clear()

    def count(self, call: str) -> int:
        return sum(1 for made in self.calls if made == call)

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        path = url.path
        self.calls.append(f"{request.method} {path}")
        if url.host != "plm.test":
            return httpx.Response(200, text="<html>elsewhere</html>")
        query = {k: v[0] for k, v in parse_qs(url.query.decode()).items()}
        if path.startswith("/3dpassport"):
            return self._passport(path.removeprefix("/3dpassport"), query)
        if "ticket" in query:
            session = f"s{next(self._counter)}"
            self._sessions[session] = self.session_lives
            rest = {k: v for k, v in query.items() if k != "ticket"}
            target = f"{SPACE}{path.removeprefix('/3dspace')}"
            if rest:
                target += "?" + urlencode(rest)
            return httpx.Response(
                302,
                headers={
                    "location": target,
                    "set-cookie": f"JSESSIONID={session}; Path=/3dspace",
                },
            )
        session = _cookies(request).get("JSESSIONID", "")
        if session not in self._sessions:
            return httpx.Response(302, headers={"location": f"{PASSPORT}/login?service=x"})
        lives = self._sessions[session]
        if lives is not None:
            if lives <= 1:
                del self._sessions[session]
            else:
                self._sessions[session] = lives - 1
        return self._space(path.removeprefix("/3dspace"), query, request)

    def _passport(self, path: str, query: dict[str, str]) -> httpx.Response:
        if path == "/api/v2/batch/ticket":
            ticket = f"TGT-{next(self._counter)}"
            return httpx.Response(200, json={"access_token": ticket, "token_type": self.token_type})
        if path == "/api/login/cas/transient":
            if self.transient_refusals:
                self.transient_refusals -= 1
                return httpx.Response(401, json={"result": "failure"})
            return httpx.Response(
                200,
                json={"result": "success"},
                headers={"set-cookie": "CASTGC=TGC-1; Path=/3dpassport"},
            )
        if path == "/login":
            if self.service_redirect is not None:
                return httpx.Response(302, headers={"location": self.service_redirect})
            service = query["service"]
            return httpx.Response(302, headers={"location": f"{service}&ticket=ST-1"})
        return httpx.Response(404)

    def _space(self, path: str, query: dict[str, str], request: httpx.Request) -> httpx.Response:
        if path == "/resources/modeler/pno/person":
            return httpx.Response(200, json={"name": "p"})
        if path == "/resources/v1/application/CSRF":
            return httpx.Response(200, json={"csrf": {"name": "ENO_CSRF_TOKEN", "value": "t"}})
        if path == "/resources/v1/modeler/documents/search":
            term = query["searchStr"]
            hits = [o.item() for o in self.indexed if f'"{o.name}"' in term]
            return httpx.Response(200, json={"items": len(hits), "data": hits})
        body = orjson.loads(request.content)
        if path == "/resources/v1/modeler/dslc/version/getGraph":
            return httpx.Response(
                200, json={"results": [self._graph(i["id"]) for i in body["data"]]}
            )
        if path == "/resources/v1/modeler/documents/ids":
            found = [self.objects[i].item() for i in body.split(",") if i in self.objects]
            return httpx.Response(200, json={"items": len(found), "data": found})
        return httpx.Response(404)

    def _graph(self, asked: str) -> dict[str, Any]:
        obj = self.objects.get(asked)
        if obj is None:
            return {"id": asked, "errorCode": "OBJECT_NOT_FOUND", "errorMessage": "no"}
        family = [o for o in self.objects.values() if o.name == obj.name]
        versions = [
            {
                "id": o.id,
                "revision": o.label,
                "maturityState": o.state,
                "ancestors": [] if o.made_from is None else [{"id": o.made_from}],
            }
            for o in family
        ]
        return {"id": asked, "versions": versions}


def _cookies(request: httpx.Request) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in request.headers.get("cookie", "").split(";"))
    return {name: value for name, _, value in pairs if name}
