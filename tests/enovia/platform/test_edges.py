"""The platform's rarer misbehaviours, against the simulator: a session lost again right
after a new login, an agent sent to the login, refused or odd tickets, a login that ends off
3DSpace, a search hit whose object alone was deleted, a graph that leaves an object out, and
a revision renamed away from its document."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from enovia import Gone, UpstreamAuthFailed, UpstreamBadResponse
from enovia.platform import LoginMethod
from enovia.simulators.platform import (
    BATCH_TICKET,
    DEFAULT_CONTEXT,
    DOC_MAJOR_MINOR_LABELS,
    GRAPH,
    LOGIN_PAGE,
    SEARCH,
    SESSION_LOSS_SHAPES,
    TRANSIENT_LOGIN,
)
from enovia.simulators.platform.stats import PASSPORT_TEMPLATES
from tests.enovia.platform.conftest import (
    ClientFactory,
    Made,
    Simulator,
    agent_login,
    batch_login,
)

# A family of three revisions, each made from the previous: A OBSOLETE, B RELEASED, and C
# (added by each test), A the oldest.
DOC = "DOC-001"


def configured(
    make_client: ClientFactory, sim: Simulator, login: LoginMethod | None = None
) -> Made:
    """A client told 3DPassport's URL and its SecurityContext: its calls are the login's and
    the documents' only."""
    return make_client(
        login or batch_login(),
        passport_url=httpx.URL(sim.passport_url),
        security_context=DEFAULT_CONTEXT,
    )


def admin(sim: Simulator, method: str, path: str, **body: Any) -> None:
    """`{method} /_sim{path}` (each segment of *path* percent-encoded by the caller)."""
    with httpx.Client(base_url=sim.base_url, timeout=10) as http:
        http.request(method, f"/_sim{path}", json=body or None).raise_for_status()


def revision_path(name: str, label: str) -> str:
    return f"/documents/{quote(name, safe='')}/revisions/{quote(label, safe='')}"


async def test_a_session_lost_again_after_the_new_login_is_an_auth_failure(
    make_client: ClientFactory, sim: Simulator
):
    made = configured(make_client, sim)
    await made.client.start()
    # The session ends; every session opened from now on is dropped right after the login's
    # last hop.
    sim.faults(session_drop_next=5)
    sim.expire_sessions()
    with pytest.raises(UpstreamAuthFailed, match="again after a new login"):
        await made.client.get_document(DOC)
    # The lost session, one new login, one retry: no loop of logins.
    stats = sim.stats()
    assert stats["calls"][BATCH_TICKET] == 2
    assert stats["logins"] == 2
    assert stats["calls"][SEARCH] == 2


@pytest.mark.parametrize("shape", SESSION_LOSS_SHAPES)
async def test_an_agent_sent_to_the_login_is_refused_at_once(
    make_client: ClientFactory, sim: Simulator, shape: str
):
    # A 3DSpace that ignores HTTP Basic answers the agent as a caller without a session.
    sim.faults(agent_auth_off=True, session_loss_shape=shape)
    made = configured(make_client, sim, agent_login())
    with pytest.raises(UpstreamAuthFailed, match="agent"):
        await made.client.get_document(DOC)
    # One search, and 3DPassport never asked.
    calls = sim.calls()
    assert calls[SEARCH] == 1
    assert not set(calls) & set(PASSPORT_TEMPLATES)


async def test_a_used_transient_ticket_costs_one_new_ticket(
    make_client: ClientFactory, sim: Simulator
):
    sim.faults(transient_reject_next=1)
    made = configured(make_client, sim)
    assert (await made.client.get_document(DOC)).number == DOC
    assert sim.calls()[BATCH_TICKET] == 2
    sim.faults(transient_reject_next=2)
    made = configured(make_client, sim)
    with pytest.raises(UpstreamAuthFailed, match="two batch tickets"):
        await made.client.start()
    # Two tickets, no third.
    assert sim.calls()[BATCH_TICKET] == 4


async def test_a_ticket_that_is_not_transient_is_a_refusal(
    make_client: ClientFactory, sim: Simulator
):
    sim.faults(batch_token_type="Bearer")
    made = configured(make_client, sim)
    with pytest.raises(UpstreamAuthFailed, match="transient ticket"):
        await made.client.start()
    # The ticket was not used.
    assert TRANSIENT_LOGIN not in sim.calls()


@pytest.mark.parametrize(
    ("target", "words", "asked"),
    [
        # 3DPassport sends the service login to the dashboard, not back to 3DSpace.
        ("/3ddashboard/", "did not reach 3DSpace", 1),
        # ... or to its own login, again and again: followed 10 times, no more.
        ("/3dpassport/login?again=1", "too many", 1 + 10),
    ],
)
async def test_a_login_that_does_not_end_on_3dspace(
    make_client: ClientFactory, sim: Simulator, target: str, words: str, asked: int
):
    sim.faults(login_redirect=target)
    made = configured(make_client, sim)
    with pytest.raises(UpstreamAuthFailed, match=words) as caught:
        await made.client.start()
    assert "(service login)" in caught.value.message
    # 3DPassport's login asked that often, and no session opened.
    assert sim.calls()[LOGIN_PAGE] == asked
    assert sim.stats()["logins"] == 0


async def test_a_search_hit_deleted_alone_falls_back_to_the_next_hit(
    make_client: ClientFactory, sim: Simulator
):
    sim.document(DOC, "revisions", revision="C", maturityState="IN_WORK")
    # The first revision (the oldest hit, asked first) is deleted; the index lags.
    sim.faults(search_lag_seconds=3600)
    admin(sim, "DELETE", revision_path(DOC, "A"))
    made = configured(make_client, sim)
    listed = await made.client.list_revisions(DOC)
    assert [r.revision for r in listed] == ["B", "C"]
    assert sim.calls()[GRAPH] == 2


async def test_a_name_whose_objects_are_all_gone(make_client: ClientFactory, sim: Simulator):
    # Four revisions, all deleted behind the index's back: four hits for none.
    sim.faults(search_lag_seconds=3600)
    sim.delete(DOC_MAJOR_MINOR_LABELS)
    made = configured(make_client, sim)
    with pytest.raises(Gone):
        await made.client.get_document(DOC_MAJOR_MINOR_LABELS)
    # Three rounds at most, whatever the number of hits.
    assert sim.calls()[GRAPH] == 3


async def test_a_graph_that_leaves_an_asked_object_out(make_client: ClientFactory, sim: Simulator):
    sim.faults(graph_omit=[DOC])
    made = configured(make_client, sim)
    with pytest.raises(UpstreamBadResponse, match="left out"):
        await made.client.get_document(DOC)
    # Read together, only the document left out fails.
    found = await made.client.get_documents([DOC, "DOC-002"])
    assert isinstance(found[DOC], UpstreamBadResponse)
    assert found["DOC-002"].number == "DOC-002"  # type: ignore[union-attr]


async def test_versions_renamed_away_are_dropped(make_client: ClientFactory, sim: Simulator):
    sim.document(DOC, "revisions", revision="C", maturityState="RELEASED")
    # The newest revision now carries another name (a rename the graph still shows).
    sim.document(DOC, "revisions/C/rename", to="OTHER")
    made = configured(make_client, sim)
    latest = await made.client.get_latest_revision(DOC)
    assert latest.revision == "B"
    assert [r.revision for r in await made.client.list_revisions(DOC)] == ["A", "B"]
