"""What the simulator cannot be made to show, against a scripted platform."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from enovia import Gone, RetryPolicy, Secret, UpstreamAuthFailed, UpstreamBadResponse
from enovia.platform import AgentLogin, BatchServiceLogin, PlatformClient
from gateway.metrics import Metrics
from tests.enovia.platform.fake_platform import (
    CONTEXT,
    PASSPORT,
    SPACE,
    FakePlatform,
    Obj,
    oid,
)

Make = Callable[..., PlatformClient]


async def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    made: list[PlatformClient] = []

    def build(platform: FakePlatform, **options: object) -> PlatformClient:
        http = httpx.AsyncClient(
            base_url=SPACE + "/",
            headers={"Accept": "application/json"},
            transport=httpx.MockTransport(platform.handler),
        )
        options.setdefault("login", BatchServiceLogin("svc", Secret("svc-secret"), "user"))
        client = PlatformClient(
            http,
            passport_url=httpx.URL(PASSPORT),
            security_context=CONTEXT,
            retry=RetryPolicy(sleep=no_sleep),
            observer=Metrics(),
            **options,  # type: ignore[arg-type]
        )
        made.append(client)
        return client

    yield build
    for client in made:
        await client.aclose()


def family(name: str, first: int, *states: str) -> list[Obj]:
    objects: list[Obj] = []
    for n, state in enumerate(states):
        made_from = objects[-1].id if objects else None
        objects.append(Obj(oid(first + n), name, "ABCDEFG"[n], state, made_from))
    return objects


async def test_a_session_lost_again_after_the_new_login_is_an_auth_failure(make: Make):
    platform = FakePlatform()
    platform.add(*family("DOC", 1, "RELEASED"))
    client = make(platform)
    await client.start()
    # The session ends; every session opened from now on ends after the login's last hop.
    platform.session_lives = 1
    platform.end_sessions()
    with pytest.raises(UpstreamAuthFailed, match="again after a new login"):
        await client.get_document("DOC")
    # The lost session, one new login, one retry: no loop of logins.
    assert platform.count("GET /3dpassport/api/v2/batch/ticket") == 2
    assert platform.count("GET /3dspace/resources/v1/modeler/documents/search") == 2


async def test_an_agent_sent_to_the_login_is_refused_at_once(make: Make):
    platform = FakePlatform()
    client = make(platform, login=AgentLogin("agent", Secret("agent-secret")))
    with pytest.raises(UpstreamAuthFailed, match="agent"):
        await client.get_document("DOC")
    assert platform.count("GET /3dspace/resources/v1/modeler/documents/search") == 1
    assert not any("3dpassport" in call for call in platform.calls)


async def test_a_used_transient_ticket_costs_one_new_ticket(make: Make):
    platform = FakePlatform(transient_refusals=1)
    platform.add(*family("DOC", 1, "RELEASED"))
    client = make(platform)
    assert (await client.get_document("DOC")).number == "DOC"
    assert platform.count("GET /3dpassport/api/v2/batch/ticket") == 2
    platform.transient_refusals = 2
    client = make(platform)
    with pytest.raises(UpstreamAuthFailed, match="two batch tickets"):
        await client.start()


async def test_a_ticket_that_is_not_transient_is_a_refusal(make: Make):
    client = make(FakePlatform(token_type="Bearer"))
    with pytest.raises(UpstreamAuthFailed, match="transient ticket"):
        await client.start()


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("https://elsewhere.test/x", "did not reach 3DSpace"),
        (PASSPORT + "/login?again=1", "too many"),
    ],
)
async def test_a_login_that_does_not_end_on_3dspace(make: Make, target: str, words: str):
    client = make(FakePlatform(service_redirect=target))
    with pytest.raises(UpstreamAuthFailed, match=words) as caught:
        await client.start()
    assert "(service login)" in caught.value.message


async def test_a_search_hit_deleted_alone_falls_back_to_the_next_hit(make: Make):
    platform = FakePlatform()
    objects = family("DOC", 1, "OBSOLETE", "RELEASED", "IN_WORK")
    platform.add(*objects)
    # The first revision (the oldest hit, asked first) is deleted; the index lags.
    del platform.objects[objects[0].id]
    listed = await make(platform).list_revisions("DOC")
    assert [r.revision for r in listed] == ["B", "C"]
    assert platform.count("POST /3dspace/resources/v1/modeler/dslc/version/getGraph") == 2


async def test_a_name_whose_objects_are_all_gone(make: Make):
    platform = FakePlatform()
    objects = family("DOC", 1, *["RELEASED"] * 5)
    platform.add(*objects)
    platform.objects.clear()
    with pytest.raises(Gone):
        await make(platform).get_document("DOC")
    # Three rounds at most, whatever the number of hits.
    assert platform.count("POST /3dspace/resources/v1/modeler/dslc/version/getGraph") == 3


async def test_a_graph_that_leaves_an_asked_object_out(make: Make):
    platform = FakePlatform()
    platform.add(*family("DOC", 1, "RELEASED"))
    platform._graph = lambda asked: {"id": oid(999), "versions": []}  # type: ignore[method-assign]
    with pytest.raises(UpstreamBadResponse, match="left out"):
        await make(platform).get_document("DOC")


async def test_versions_renamed_away_are_dropped(make: Make):
    platform = FakePlatform()
    objects = family("DOC", 1, "RELEASED", "RELEASED")
    platform.add(*objects)
    # The newest revision now carries another name (a rename the graph still shows).
    graph = platform._graph

    def renamed(asked: str) -> dict[str, object]:
        result = graph(asked)
        result["versions"] = [
            *result["versions"],  # type: ignore[list-item]
            {"id": oid(50), "revision": "C", "maturityState": "RELEASED", "ancestors": []},
        ]
        return result

    platform.objects[oid(50)] = Obj(oid(50), "OTHER", "C", "RELEASED", objects[1].id)
    platform._graph = renamed  # type: ignore[method-assign]
    latest = await make(platform).get_latest_revision("DOC")
    assert latest.revision == "B"
