"""Each way of logging in, against the simulator: what it costs, and how a refusal shows."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from enovia import Forbidden, Secret, UpstreamAuthFailed, UpstreamUnavailable
from enovia.platform import SecurityContextUnavailable
from enovia.simulators.platform import (
    AUTH_PARAMS,
    BATCH_TICKET,
    CSRF,
    DEFAULT_CONTEXT,
    DOCUMENTS_BY_IDS,
    GRAPH,
    LOGIN_FORM,
    LOGIN_PAGE,
    PERSON,
    SEARCH,
    TRANSIENT_LOGIN,
    PlatformUser,
)
from tests.enovia.platform.conftest import (
    BATCH_SECRET,
    CONFIG,
    LOGINS,
    PASSWORD,
    USER,
    ClientFactory,
    Simulator,
    agent_login,
    batch_login,
    password_login,
)

# A scan's calls after the login: the name's search, the CSRF token, its graph, its objects.
SCAN = {SEARCH: 1, CSRF: 1, GRAPH: 1, DOCUMENTS_BY_IDS: 1}


def refreshes(made, status: str) -> float:
    value = made.metrics.registry.get_sample_value(
        "enovia_token_refreshes_total", {"status": status}
    )
    return value or 0.0


async def scan(client) -> None:
    document = await client.get_document("DOC-001")
    assert document.number == "DOC-001"


async def test_batch_service_discovering_the_passport_and_the_context(
    make_client: ClientFactory, sim: Simulator
):
    made = make_client(batch_login())
    await made.client.start()
    # 3DPassport found from 3DSpace's redirect (pno/person, 302); a ticket; the transient
    # login (JSON); the service login (302 to 3DSpace); 3DSpace redeems the service ticket
    # (302) and answers; then the preferred credentials.
    assert sim.calls() == {BATCH_TICKET: 1, TRANSIENT_LOGIN: 1, LOGIN_PAGE: 1, PERSON: 4}
    assert sim.stats()["logins"] == 1
    state = made.client.credentials_state
    assert state == {
        "auth_mode": "batch-service",
        "state": "active",
        "session_age": 0.0,
        "security_context": DEFAULT_CONTEXT,
    }
    assert refreshes(made, "success") == 1
    await scan(made.client)
    assert sim.calls() == {BATCH_TICKET: 1, TRANSIENT_LOGIN: 1, LOGIN_PAGE: 1, PERSON: 4, **SCAN}


async def test_batch_service_with_everything_configured(make_client: ClientFactory, sim: Simulator):
    made = make_client(
        batch_login(),
        passport_url=httpx.URL(sim.passport_url),
        security_context=DEFAULT_CONTEXT,
    )
    await made.client.start()
    assert sim.calls() == {BATCH_TICKET: 1, TRANSIENT_LOGIN: 1, LOGIN_PAGE: 1, PERSON: 2}


async def test_batch_service_with_the_redirecting_transient_login(
    make_client: ClientFactory, make_sim
):
    sim = make_sim(transient_login_shape="redirect", castgc_suffix="_3dp")
    made = make_client(batch_login(), simulator=sim, passport_url=httpx.URL(sim.passport_url))
    await made.client.start()
    calls = sim.calls()
    assert calls[BATCH_TICKET] == calls[TRANSIENT_LOGIN] == 1
    assert LOGIN_PAGE not in calls  # the transient login sent the client to 3DSpace itself
    assert sim.stats()["logins"] == 1
    await scan(made.client)


async def test_cas_password(make_client: ClientFactory, sim: Simulator):
    made = make_client(password_login(), passport_url=httpx.URL(sim.passport_url))
    await made.client.start()
    calls = sim.calls()
    # pno/person three times: the service ticket's hop, the hop without the ticket (where
    # the login chain ends), and the preferred credentials.
    assert (calls[AUTH_PARAMS], calls[LOGIN_FORM], calls[PERSON]) == (1, 1, 3)
    assert "unmatched" not in calls
    assert BATCH_TICKET not in calls
    assert sim.stats()["logins"] == 1
    assert made.client.credentials_state["auth_mode"] == "cas-password"
    await scan(made.client)


async def test_agent_logs_in_nowhere(make_client: ClientFactory, sim: Simulator):
    made = make_client(agent_login())
    await made.client.start()
    assert sim.calls() == {PERSON: 1}  # the preferred credentials only
    await scan(made.client)
    assert sim.calls() == {PERSON: 1, **SCAN}
    assert sim.stats()["logins"] == 0
    assert made.client.credentials_state["auth_mode"] == "agent"
    assert refreshes(made, "success") == 0


async def test_agent_with_a_configured_context_calls_nothing_to_start(
    make_client: ClientFactory, sim: Simulator
):
    made = make_client(agent_login(), security_context=DEFAULT_CONTEXT)
    await made.client.start()
    assert sim.calls() == {}


@pytest.mark.parametrize(
    ("login", "words"),
    [
        (batch_login(Secret("not-the-secret")), "invalid_service"),
        (password_login("not-the-password"), "username or password"),
    ],
)
async def test_a_refused_login(make_client: ClientFactory, login, words: str):
    made = make_client(login)
    with pytest.raises(UpstreamAuthFailed, match=words) as caught:
        await made.client.start()
    assert "not-the-" not in caught.value.message
    assert refreshes(made, "failure") == 1
    assert made.client.credentials_state["state"] == "none"
    # A call logs in again (and fails alike): nothing was kept of the failed login.
    with pytest.raises(UpstreamAuthFailed):
        await made.client.get_document("DOC-001")
    assert refreshes(made, "failure") == 2


async def test_an_unknown_person_to_impersonate(make_client: ClientFactory):
    made = make_client(
        batch_login().__class__(CONFIG.batch_service_name, Secret(BATCH_SECRET), "nobody")
    )
    with pytest.raises(UpstreamAuthFailed, match="invalid_request"):
        await made.client.start()


async def test_a_refused_agent(make_client: ClientFactory, sim: Simulator):
    made = make_client(agent_login("not-the-agent-secret"))
    with pytest.raises(UpstreamAuthFailed, match="agent"):
        await made.client.get_document("DOC-001")
    # No re-login can help an agent: one call, refused.
    assert sim.calls() == {PERSON: 1}


async def test_no_preferred_credentials_stops_the_start(make_client: ClientFactory, make_sim):
    sim = make_sim(users=(PlatformUser(USER, PASSWORD, preferred_context=None),))
    made = make_client(batch_login(), simulator=sim)
    with pytest.raises(SecurityContextUnavailable, match="TDX_SECURITY_CONTEXT"):
        await made.client.start()
    # A call reports it as the upstream refusing the gateway.
    with pytest.raises(UpstreamAuthFailed, match="TDX_SECURITY_CONTEXT"):
        await made.client.get_document("DOC-001")
    # Configured, the context needs no preferred credentials.
    made = make_client(batch_login(), simulator=sim, security_context=DEFAULT_CONTEXT)
    await scan(made.client)


async def test_an_unknown_security_context_is_forbidden(make_client: ClientFactory):
    made = make_client(batch_login(), security_context="Designer.Elsewhere.Nowhere")
    await made.client.start()
    with pytest.raises(Forbidden):
        await made.client.get_document("DOC-001")


@pytest.mark.parametrize("mode", sorted(LOGINS))
async def test_a_tenant_goes_with_every_3dspace_call(
    make_client: ClientFactory, make_sim, mode: str
):
    sim = make_sim(tenant="R1132100000001")
    made = make_client(LOGINS[mode](), simulator=sim, tenant="R1132100000001")
    await scan(made.client)
    without = make_client(LOGINS[mode](), simulator=sim)
    with pytest.raises(Forbidden):
        await without.client.get_document("DOC-001")


async def test_3dpassport_down_at_start_then_back(make_client: ClientFactory, sim: Simulator):
    sim.faults(passport_down=True)
    made = make_client(batch_login(), passport_url=httpx.URL(sim.passport_url))
    with pytest.raises(UpstreamUnavailable):
        await made.client.start()
    assert len(made.sleeps) == 2  # retried as a GET is (without waiting, in tests)
    sim.faults(passport_down=False)
    await scan(made.client)  # the first call logs in
    assert made.client.credentials_state["state"] == "active"


async def test_a_rotated_batch_secret_is_read_again(
    make_client: ClientFactory, sim: Simulator, tmp_path: Path
):
    secret_file = tmp_path / "batch-secret"
    secret_file.write_text(BATCH_SECRET)
    made = make_client(batch_login(Secret(file=secret_file, rotation=True)))
    await scan(made.client)
    sim.rotate_batch_secret("rotated-secret-4711")
    secret_file.write_text("rotated-secret-4711\n")
    sim.expire_sessions(passport=True)
    await made.client.get_revision("DOC-001", "B")
    assert sim.calls()[BATCH_TICKET] == 3  # the first login, the refused one, the new secret


async def test_the_session_is_renewed_before_it_grows_old(
    make_client: ClientFactory, sim: Simulator
):
    made = make_client(batch_login(), session_max_age=600)
    await scan(made.client)
    made.clock.advance(599)
    assert made.client.credentials_state["state"] == "active"
    assert made.client.credentials_state["session_age"] == 599.0
    await scan(made.client)
    assert sim.stats()["logins"] == 1
    made.clock.advance(1)
    assert made.client.credentials_state["state"] == "expired"
    losses = sim.stats()["session_losses"]  # the 3DPassport discovery's (unauthenticated)
    await scan(made.client)
    stats = sim.stats()
    assert (stats["logins"], stats["session_losses"]) == (2, losses)
    assert made.client.credentials_state["state"] == "active"
    assert made.client.credentials_state["session_age"] == 0.0
    # A new session fetches its own CSRF token.
    assert stats["calls"][CSRF] == 2


async def test_an_agent_session_never_ages(make_client: ClientFactory, sim: Simulator):
    made = make_client(agent_login(), session_max_age=60)
    await scan(made.client)
    made.clock.advance(3600)
    assert made.client.credentials_state["state"] == "active"
    await scan(made.client)
    assert sim.calls()[PERSON] == 1


def test_the_logins_show_no_secret():
    everything = repr(batch_login()) + repr(password_login()) + repr(agent_login())
    for secret in (BATCH_SECRET, PASSWORD, CONFIG.agent_secret):
        assert secret not in everything
