"""3DSpace's session gate: service tickets, JSESSIONID, lapses, session loss, the agent."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from enovia.simulators.platform import SESSION_LOSS_SHAPES
from tests.enovia.simulators.platform.helpers import (
    AGENT_ID,
    AGENT_SECRET,
    PERSON_PATH,
    SEARCH_PATH,
    USER,
    Platform,
    basic,
)


def service_ticket(platform: Platform, client: httpx.Client, service: str) -> str:
    """A service ticket for *service* from a CASTGC (logging *client* in to 3DPassport)."""
    if not any(name.startswith("CASTGC") for name in client.cookies):
        ticket = platform.batch_ticket(client).json()["access_token"]
        client.get("/3dpassport/api/login/cas/transient", params={"tgt": ticket})
    response = client.get("/3dpassport/login", params={"service": service})
    assert response.status_code == 302
    location: str = response.headers["location"]
    return location.rsplit("ticket=", 1)[1]


def person(client: httpx.Client) -> httpx.Response:
    return client.get(PERSON_PATH, params={"current": "true"})


def assert_login_redirect(platform: Platform, response: httpx.Response, service: str) -> None:
    assert response.status_code == 302
    expected = f"{platform.url}/3dpassport/login?service={quote(service, safe='')}"
    assert response.headers["location"] == expected


def test_a_service_ticket_opens_a_session(platform: Platform) -> None:
    client = platform.client()
    service = platform.service_url()
    ticket = service_ticket(platform, client, service)
    response = client.get(f"{service}&ticket={ticket}")
    assert response.status_code == 302
    assert response.headers["location"] == service
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("JSESSIONID=")
    assert "Path=/3dspace" in cookie
    assert person(client).json()["name"] == USER
    stats = platform.stats()
    assert stats["logins"] == 1
    assert stats["sessions_active"] == 1


def test_a_service_ticket_is_single_use(platform: Platform) -> None:
    client = platform.client()
    service = platform.service_url()
    ticket = service_ticket(platform, client, service)
    assert platform.client().get(f"{service}&ticket={ticket}").status_code == 302
    again = platform.client().get(f"{service}&ticket={ticket}")
    assert_login_redirect(platform, again, service)
    assert "set-cookie" not in again.headers
    assert platform.stats()["tickets_refused"] == 1


def test_a_service_ticket_expires(platform: Platform) -> None:
    client = platform.client()
    service = platform.service_url()
    ticket = service_ticket(platform, client, service)
    platform.clock.advance(10)
    assert_login_redirect(platform, client.get(f"{service}&ticket={ticket}"), service)


def test_a_service_ticket_is_bound_to_its_service(platform: Platform) -> None:
    client = platform.client()
    ticket = service_ticket(platform, client, platform.service_url())
    other = f"{platform.url}{SEARCH_PATH}?searchStr=x"
    assert_login_redirect(platform, client.get(f"{other}&ticket={ticket}"), other)


def test_the_service_comparison_tolerates_order_and_encoding(platform: Platform) -> None:
    client = platform.client()
    granted = platform.service_url(query="current=true&select=preferredcredentials")
    ticket = service_ticket(platform, client, granted)
    query = f"select=preferred%63redentials&ticket={ticket}&current=true"
    presented = f"{platform.url}{PERSON_PATH}?{query}"
    response = client.get(presented)
    assert response.status_code == 302
    # Back to the URL as presented, only the ticket taken out.
    assert response.headers["location"] == (
        f"{platform.url}{PERSON_PATH}?select=preferred%63redentials&current=true"
    )


def test_the_ticket_redirect_keeps_the_host_the_client_used(platform: Platform) -> None:
    client = platform.client()
    service = platform.service_url()
    ticket = service_ticket(platform, client, service)
    response = client.get(f"{service}&ticket={ticket}", headers={"Host": "plm.example.com"})
    assert response.headers["location"] == f"http://plm.example.com{PERSON_PATH}?current=true"


def test_a_session_lapses_when_idle(platform: Platform) -> None:
    client = platform.batch_login()
    platform.clock.advance(1799)
    assert person(client).status_code == 200
    platform.clock.advance(1799)
    assert person(client).status_code == 200
    platform.clock.advance(1800)
    assert_login_redirect(platform, person(client), platform.service_url())
    assert platform.stats()["session_losses"] == 1


def test_a_session_lapses_after_its_absolute_lifetime(platform: Platform) -> None:
    client = platform.batch_login()
    for _ in range(28):
        platform.clock.advance(1000)
        assert person(client).status_code == 200
    platform.clock.advance(800)
    assert person(client).status_code == 302


@pytest.mark.parametrize("shape", SESSION_LOSS_SHAPES)
def test_session_loss_shapes(platform: Platform, shape: str) -> None:
    platform.faults(session_loss_shape=shape)
    response = person(platform.client())
    if shape == "redirect":
        assert_login_redirect(platform, response, platform.service_url())
    elif shape == "login_page":
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "3DPassport" in response.text
        assert 'action="/3dpassport/login?service=' in response.text
    else:
        status = 401 if shape == "json_401" else 403
        assert response.status_code == status
        body = response.json()
        assert body["success"] is False
        assert body["statusCode"] == status
        error = body["error"].lower()
        assert "session" in error
        assert "not authenticated" in error


def test_a_post_without_a_session_is_sent_to_login_too(platform: Platform) -> None:
    url = f"{platform.url}/3dspace/resources/v1/modeler/documents/ids"
    response = platform.client().post(url, json="X")
    assert_login_redirect(platform, response, url)


def test_the_passport_url_is_discoverable(platform: Platform) -> None:
    response = person(platform.client())
    location = response.headers["location"]
    assert location.split("/login", 1)[0] == f"{platform.url}/3dpassport"


def test_ending_sessions(platform: Platform) -> None:
    client = platform.batch_login()
    ended = platform.admin.post("/_sim/sessions/expire").json()
    assert ended == {"expired": 1, "passport_expired": 0}
    assert person(client).status_code == 302
    # The CASTGC survived: single sign-on opens a new session without a new login.
    response = client.get(
        "/3dpassport/login", params={"service": platform.service_url()}, follow_redirects=True
    )
    assert response.status_code == 200
    platform.admin.post("/_sim/sessions/expire", json={"passport": True})
    response = client.get("/3dpassport/login", params={"service": platform.service_url()})
    assert response.status_code == 200
    assert "loginForm" in response.text


def test_the_agent_needs_no_session(platform: Platform) -> None:
    client = platform.client(headers={"Authorization": basic(AGENT_ID, AGENT_SECRET)})
    response = person(client)
    assert response.status_code == 200
    assert response.json()["name"] == USER
    assert "set-cookie" not in response.headers
    assert platform.stats()["logins"] == 0


@pytest.mark.parametrize(
    "authorization",
    [
        basic(AGENT_ID, "wrong"),
        basic("someone", AGENT_SECRET),
        "Basic not-base64!",
        "Basic " + "bm9jb2xvbg==",  # "nocolon"
    ],
)
def test_wrong_agent_credentials_are_refused(platform: Platform, authorization: str) -> None:
    response = person(platform.client(headers={"Authorization": authorization}))
    assert response.status_code == 401
    assert response.json()["statusCode"] == 401
    assert platform.stats()["unauthorized"] == 1


def test_wrong_agent_credentials_win_over_a_session(platform: Platform) -> None:
    client = platform.batch_login()
    response = client.get(
        PERSON_PATH,
        params={"current": "true"},
        headers={"Authorization": basic(AGENT_ID, "wrong")},
    )
    assert response.status_code == 401
