"""A session that ends mid-traffic, a refused CSRF token: one re-login, one refetch, and no
call fails."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from enovia import UpstreamAuthFailed
from enovia.simulators.platform import (
    BATCH_TICKET,
    CSRF,
    DOCUMENTS_BY_IDS,
    GRAPH,
    SEARCH,
    SESSION_LOSS_SHAPES,
)
from tests.enovia.platform.conftest import (
    LOGINS,
    ClientFactory,
    Simulator,
    agent_login,
    batch_login,
    password_login,
)

NAMES = [f"PTE-{n:04d}" for n in range(1, 21)]


@pytest.mark.parametrize("shape", SESSION_LOSS_SHAPES)
@pytest.mark.parametrize("passport_too", [False, True])
async def test_a_session_ended_mid_traffic_costs_one_login_for_twenty_calls(
    make_client: ClientFactory, sim: Simulator, shape: str, passport_too: bool
):
    made = make_client(batch_login(), passport_url=httpx.URL(sim.passport_url))
    sim.faults(session_loss_shape=shape)
    await made.client.get_document("DOC-001")
    before = sim.stats()
    sim.expire_sessions(passport=passport_too)
    documents = await asyncio.gather(*(made.client.get_document(name) for name in NAMES))
    assert [d.number for d in documents] == NAMES
    after = sim.stats()
    assert after["logins"] - before["logins"] == 1
    assert after["token_requests"] - before["token_requests"] == 1
    # Every search saw the session end once and was sent once more; the new session's
    # POSTs fetched one CSRF token.
    assert after["calls"][SEARCH] - before["calls"][SEARCH] == 2 * len(NAMES)
    assert after["calls"][CSRF] - before["calls"][CSRF] == 1
    assert made.client.credentials_state["state"] == "active"


@pytest.mark.parametrize("mode", ["batch-service", "cas-password"])
async def test_each_login_mode_logs_in_again(make_client: ClientFactory, sim: Simulator, mode: str):
    made = make_client(LOGINS[mode]())
    await made.client.get_document("DOC-001")
    sim.expire_sessions(passport=True)
    revision = await made.client.get_revision("DOC-002", "A")
    assert revision.revision == "A"
    assert sim.stats()["logins"] == 2


async def test_an_agent_needs_no_session(make_client: ClientFactory, sim: Simulator):
    made = make_client(agent_login())
    await made.client.get_document("DOC-001")
    sim.expire_sessions(passport=True)  # also ends the agent's CSRF token
    await made.client.get_document("DOC-002")
    stats = sim.stats()
    # Both POSTs in flight (the graph, the objects) carried the ended token: both refused,
    # one new token for the two.
    assert (stats["logins"], stats["csrf_refusals"], stats["calls"][CSRF]) == (0, 2, 2)


async def test_a_csrf_refusal_costs_one_refetch(make_client: ClientFactory, sim: Simulator):
    made = make_client(batch_login())
    await made.client.get_document("DOC-001")
    sim.faults(csrf_reject_next=1)
    latest = await made.client.get_latest_revision("DOC-002")
    assert latest.revision == "A"
    stats = sim.stats()
    # The graph and the objects go out together with the same token: the first refusal
    # makes the platform issue a new one, so the other is refused too; one refetch for both.
    assert (stats["calls"][CSRF], stats["csrf_refusals"], stats["logins"]) == (2, 2, 1)
    # Each was refused once and sent again.
    assert (stats["calls"][GRAPH], stats["calls"][DOCUMENTS_BY_IDS]) == (3, 3)


async def test_a_fresh_csrf_token_refused_too_is_an_auth_failure(
    make_client: ClientFactory, sim: Simulator
):
    made = make_client(password_login())
    await made.client.start()
    sim.faults(csrf_reject_next=2)
    with pytest.raises(UpstreamAuthFailed, match="CSRF"):
        await made.client.get_document("DOC-001")
    assert sim.stats()["calls"][CSRF] == 2
    # The refusals are over: the next call fetches a token (the refused one was dropped).
    await made.client.get_document("DOC-001")
    assert sim.stats()["calls"][CSRF] == 3


async def test_a_login_page_where_json_was_due_is_a_lost_session(
    make_client: ClientFactory, sim: Simulator
):
    sim.faults(session_loss_shape="login_page")
    made = make_client(batch_login())
    await made.client.get_document("DOC-001")
    sim.expire_sessions()
    await made.client.get_document("DOC-001")
    assert sim.stats()["calls"][BATCH_TICKET] == 2
