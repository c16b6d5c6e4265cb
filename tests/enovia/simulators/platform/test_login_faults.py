"""The logins' odd answers, set through `/_sim/faults`: sessions dropped right after their
login, good transient tickets refused, tickets of another type, a login page that sends its
callers elsewhere, and HTTP Basic ignored."""

from __future__ import annotations

import httpx
import pytest

from enovia.simulators.platform import LOGIN_PAGE, SESSION_LOSS_SHAPES
from tests.enovia.simulators.platform.helpers import (
    AGENT_ID,
    AGENT_SECRET,
    PERSON_PATH,
    USER,
    Platform,
    basic,
)

LOGIN = "/3dpassport/login"
TRANSIENT = "/3dpassport/api/login/cas/transient"


def person(client: httpx.Client) -> httpx.Response:
    return client.get(PERSON_PATH, params={"current": "true"})


def has_castgc(client: httpx.Client) -> bool:
    return any(name.startswith("CASTGC") for name in client.cookies)


# session_drop_next -----------------------------------------------------------------------


def test_a_dropped_session_serves_the_logins_last_hop_only(platform: Platform) -> None:
    before = platform.batch_login()
    assert platform.faults(session_drop_next=1)["session_drop_next"] == 1
    # The login goes through: its last hop (the service URL) is answered in the session.
    dropped = platform.batch_login()
    assert platform.faults()["session_drop_next"] == 0
    response = person(dropped)
    assert response.status_code == 302
    assert response.headers["location"].startswith(f"{platform.url}/3dpassport/login?service=")
    # The next session is kept, and so is the one opened before the fault.
    kept = platform.batch_login()
    for client in (kept, kept, before):
        assert person(client).json()["name"] == USER
    stats = platform.stats()
    assert (stats["logins"], stats["session_losses"], stats["sessions_active"]) == (3, 1, 2)


def test_session_drop_next_counts_sessions(platform: Platform) -> None:
    platform.faults(session_drop_next=2)
    for _ in range(2):
        assert person(platform.batch_login()).status_code == 302
    assert person(platform.batch_login()).status_code == 200


# transient_reject_next -------------------------------------------------------------------


def test_a_good_transient_ticket_refused_is_spent(platform: Platform) -> None:
    client = platform.client()
    platform.faults(transient_reject_next=1)
    # A ticket refused anyway does not count.
    assert client.get(TRANSIENT, params={"tgt": "TT-made-up"}).status_code == 401
    assert platform.faults()["transient_reject_next"] == 1
    ticket = platform.batch_ticket(client).json()["access_token"]
    refused = client.get(TRANSIENT, params={"tgt": ticket})
    assert refused.status_code == 401
    assert refused.json()["result"] == "failure"
    assert not has_castgc(client)
    assert platform.faults()["transient_reject_next"] == 0
    # Spent, as a used ticket is; a new one goes through.
    assert client.get(TRANSIENT, params={"tgt": ticket}).status_code == 401
    ticket = platform.batch_ticket(client).json()["access_token"]
    assert client.get(TRANSIENT, params={"tgt": ticket}).json()["result"] == "success"
    assert has_castgc(client)
    assert platform.stats()["tickets_refused"] == 3


# batch_token_type ------------------------------------------------------------------------


def test_the_batch_ticket_type(platform: Platform) -> None:
    client = platform.client()
    assert platform.batch_ticket(client).json()["token_type"] == "CAS_TRANSIENT"
    platform.faults(batch_token_type="Bearer")
    answer = platform.batch_ticket(client).json()
    assert (answer["token_type"], answer["access_token"][:3]) == ("Bearer", "TT-")
    platform.admin.post("/_sim/reset")
    assert platform.batch_ticket(client).json()["token_type"] == "CAS_TRANSIENT"


# login_redirect --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("/3ddashboard/", "{url}/3ddashboard/"),
        ("https://portal.example.invalid/home?x=1", "https://portal.example.invalid/home?x=1"),
    ],
)
def test_the_login_page_redirects_every_caller(
    platform: Platform, location: str, expected: str
) -> None:
    client = platform.client()
    ticket = platform.batch_ticket(client).json()["access_token"]
    client.get(TRANSIENT, params={"tgt": ticket})
    assert has_castgc(client)
    platform.faults(login_redirect=location)
    # With a CASTGC and a service, or without either: no service ticket, no login page.
    for caller, params in ((client, {"service": platform.service_url()}), (platform.client(), {})):
        response = caller.get(LOGIN, params=params)
        assert response.status_code == 302
        assert response.headers["location"] == expected.format(url=platform.url)
    # get_auth_params is another endpoint: untouched.
    assert client.get(LOGIN, params={"action": "get_auth_params"}).status_code == 200
    platform.faults(login_redirect=None)
    response = client.get(LOGIN, params={"service": platform.service_url()})
    assert "ticket=ST-" in response.headers["location"]


def test_a_login_page_redirecting_to_itself_loops(platform: Platform) -> None:
    platform.faults(login_redirect="/3dpassport/login?again=1")
    client = platform.client(max_redirects=5)
    with pytest.raises(httpx.TooManyRedirects):
        client.get(LOGIN, params={"service": platform.service_url()}, follow_redirects=True)
    assert platform.calls(LOGIN_PAGE) == 6


# agent_auth_off --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SESSION_LOSS_SHAPES)
def test_ignored_basic_auth_makes_an_agent_a_caller_without_session(
    platform: Platform, shape: str
) -> None:
    agent = platform.client(headers={"Authorization": basic(AGENT_ID, AGENT_SECRET)})
    assert person(agent).status_code == 200
    platform.faults(agent_auth_off=True, session_loss_shape=shape)
    response = person(agent)
    expected = {"redirect": 302, "login_page": 200, "json_401": 401, "json_403": 403}[shape]
    assert response.status_code == expected
    if shape == "login_page":
        assert response.headers["content-type"].startswith("text/html")
    assert platform.stats()["session_losses"] == 1
    # Wrong credentials are not refused as such either: the header counts for nothing.
    wrong = platform.client(headers={"Authorization": basic(AGENT_ID, "wrong")})
    assert person(wrong).status_code == expected
    assert platform.stats()["session_losses"] == 2
    # A session still works, whatever Authorization it carries.
    session = platform.batch_login()
    session.headers["Authorization"] = basic(AGENT_ID, "wrong")
    assert person(session).json()["name"] == USER
