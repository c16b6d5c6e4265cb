"""3DPassport: login tickets, the form login, single sign-on, batch and transient tickets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from enovia.simulators.platform import (
    AUTH_PARAMS,
    BATCH_TICKET,
    LOGIN_FORM,
    LOGIN_PAGE,
    TRANSIENT_LOGIN,
    PlatformSimulatorConfig,
)
from tests.enovia.simulators.platform.conftest import PlatformFactory
from tests.enovia.simulators.platform.helpers import (
    BATCH_HEADERS,
    PASSWORD,
    USER,
    Platform,
)

LOGIN = "/3dpassport/login"
TRANSIENT = "/3dpassport/api/login/cas/transient"


def auth_params(client: httpx.Client) -> str:
    response = client.get(LOGIN, params={"action": "get_auth_params"})
    assert response.status_code == 200
    data = response.json()
    assert data["response"] == "login"
    lt: str = data["lt"]
    assert lt.startswith("LT-")
    return lt


def form_login(
    client: httpx.Client, lt: str, service: str | None, password: str = PASSWORD, user: str = USER
) -> httpx.Response:
    params = {} if service is None else {"service": service}
    form = {"lt": lt, "username": user, "password": password, "rememberMe": "no"}
    return client.post(LOGIN, params=params, data=form)


def assert_login_page(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "3DPassport" in response.text
    assert 'method="post" action="/3dpassport/login' in response.text
    assert "set-cookie" not in response.headers


def ticket_of(location: str) -> str:
    ticket: str = parse_qs(urlsplit(location).query)["ticket"][0]
    assert ticket.startswith("ST-")
    return ticket


def test_get_auth_params_gives_a_login_ticket(platform: Platform) -> None:
    client = platform.client()
    assert auth_params(client) != auth_params(client)
    assert platform.calls(AUTH_PARAMS) == 2


def test_form_login_sets_castgc_and_redirects_with_a_service_ticket(platform: Platform) -> None:
    client = platform.client()
    service = platform.service_url()
    response = form_login(client, auth_params(client), service)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(service + "&ticket=ST-")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("CASTGC=TGT-")
    assert "Path=/3dpassport" in cookie
    assert "HttpOnly" in cookie
    assert platform.calls(LOGIN_FORM) == 1
    assert platform.stats()["passport_logins"] == 1


def test_form_login_without_service_shows_a_logged_in_page(platform: Platform) -> None:
    client = platform.client()
    response = form_login(client, auth_params(client), None)
    assert response.status_code == 200
    assert "logged in as pteqr" in response.text
    assert "CASTGC" in client.cookies


@pytest.mark.parametrize(("user", "password"), [(USER, "wrong"), ("nobody", PASSWORD)])
def test_wrong_credentials_show_the_login_page_again(
    platform: Platform, user: str, password: str
) -> None:
    client = platform.client()
    response = form_login(client, auth_params(client), platform.service_url(), password, user)
    assert_login_page(response)
    assert "Invalid credentials" in response.text
    assert "CASTGC" not in client.cookies


def test_a_login_ticket_is_single_use(platform: Platform) -> None:
    client = platform.client()
    lt = auth_params(client)
    assert form_login(client, lt, None).status_code == 200
    assert_login_page(form_login(platform.client(), lt, platform.service_url()))


def test_a_login_ticket_expires(platform: Platform) -> None:
    client = platform.client()
    lt = auth_params(client)
    platform.clock.advance(300)
    assert_login_page(form_login(client, lt, platform.service_url()))


def test_the_login_page_form_carries_a_usable_login_ticket(platform: Platform) -> None:
    client = platform.client()
    service = platform.service_url()
    page = client.get(LOGIN, params={"service": service})
    assert_login_page(page)
    lt = page.text.split('name="lt" value="')[1].split('"')[0]
    assert form_login(client, lt, service).status_code == 302


def test_single_sign_on_with_castgc_gives_fresh_service_tickets(platform: Platform) -> None:
    client = platform.client()
    form_login(client, auth_params(client), None)
    service = platform.service_url()
    first = client.get(LOGIN, params={"service": service})
    second = client.get(LOGIN, params={"service": service})
    assert first.status_code == second.status_code == 302
    assert ticket_of(first.headers["location"]) != ticket_of(second.headers["location"])
    assert platform.calls(LOGIN_PAGE) == 2


def test_castgc_name_carries_the_configured_suffix(make_platform: PlatformFactory) -> None:
    platform = make_platform(PlatformSimulatorConfig(castgc_suffix="_3dp"))
    client = platform.client()
    response = form_login(client, auth_params(client), None)
    assert response.headers["set-cookie"].startswith("CASTGC_3dp=TGT-")
    assert client.get(LOGIN, params={"service": platform.service_url()}).status_code == 302
    # The plain name is not the platform's cookie.
    tgt = client.cookies["CASTGC_3dp"]
    stranger = platform.client(cookies={"CASTGC": tgt})
    assert_login_page(stranger.get(LOGIN, params={"service": platform.service_url()}))


def test_castgc_lapses_when_idle(platform: Platform) -> None:
    client = platform.client()
    form_login(client, auth_params(client), None)
    platform.clock.advance(1800)
    assert_login_page(client.get(LOGIN, params={"service": platform.service_url()}))


def test_a_service_that_is_not_a_url_is_refused(platform: Platform) -> None:
    response = platform.client().get(LOGIN, params={"service": "/3dspace/relative"})
    assert response.status_code == 400
    assert "not authorized" in response.text


def test_batch_ticket(platform: Platform) -> None:
    response = platform.batch_ticket(platform.client())
    assert response.status_code == 200
    data = response.json()
    assert data["token_type"] == "CAS_TRANSIENT"
    assert data["expires_in"] == 60
    assert data["access_token"]
    assert data["x3ds_auth_url"] == f"{platform.url}/3dpassport/api/login/cas/transient"
    assert data["x3ds_reauth_url"].startswith(f"{platform.url}/3dpassport/")
    stats = platform.stats()
    assert stats["calls"][BATCH_TICKET] == stats["token_requests"] == 1


def test_batch_ticket_without_service_parameter(platform: Platform) -> None:
    response = platform.client().get(
        "/3dpassport/api/v2/batch/ticket", params={"identifier": USER}, headers=BATCH_HEADERS
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"DS-Service-Secret": "wrong"},
        {"DS-Service-Name": "someone-else"},
        {"DS-Service-Secret": ""},
    ],
)
def test_batch_ticket_refuses_a_wrong_service(platform: Platform, headers: dict[str, str]) -> None:
    response = platform.batch_ticket(platform.client(), **headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_service"
    assert "error_description" in response.json()
    assert platform.stats()["unauthorized"] == 1


def test_batch_ticket_refuses_an_unknown_identifier(platform: Platform) -> None:
    response = platform.client().get(
        "/3dpassport/api/v2/batch/ticket",
        params={"identifier": "nobody"},
        headers=BATCH_HEADERS,
    )
    assert response.status_code == 400


def transient(platform: Platform, client: httpx.Client, ticket: str) -> httpx.Response:
    return client.get(TRANSIENT, params={"tgt": ticket, "service": platform.service_url()})


def new_batch_ticket(platform: Platform, client: httpx.Client) -> str:
    ticket: str = platform.batch_ticket(client).json()["access_token"]
    return ticket


def test_transient_login_json_shape(platform: Platform) -> None:
    client = platform.client()
    response = transient(platform, client, new_batch_ticket(platform, client))
    assert response.status_code == 200
    data = response.json()
    assert data["result"] == "success"
    assert data["message"] == "authenticated"
    assert data["userdata"]["username"] == USER
    assert response.headers["set-cookie"].startswith("CASTGC=TGT-")
    assert platform.calls(TRANSIENT_LOGIN) == 1


def test_transient_login_redirect_shape(make_platform: PlatformFactory) -> None:
    platform = make_platform(PlatformSimulatorConfig(transient_login_shape="redirect"))
    client = platform.client()
    response = transient(platform, client, new_batch_ticket(platform, client))
    assert response.status_code == 302
    assert response.headers["location"].startswith(platform.service_url() + "&ticket=ST-")
    assert response.headers["set-cookie"].startswith("CASTGC=TGT-")


def test_transient_redirect_shape_needs_a_service_and_keeps_the_ticket(
    make_platform: PlatformFactory,
) -> None:
    platform = make_platform(PlatformSimulatorConfig(transient_login_shape="redirect"))
    client = platform.client()
    ticket = new_batch_ticket(platform, client)
    assert client.get(TRANSIENT, params={"tgt": ticket}).status_code == 400
    assert transient(platform, client, ticket).status_code == 302


def test_a_batch_ticket_is_single_use(platform: Platform) -> None:
    client = platform.client()
    ticket = new_batch_ticket(platform, client)
    assert transient(platform, client, ticket).status_code == 200
    response = transient(platform, platform.client(), ticket)
    assert response.status_code == 401
    assert response.json()["result"] != "success"
    assert platform.stats()["tickets_refused"] == 1


def test_a_batch_ticket_expires(platform: Platform) -> None:
    client = platform.client()
    ticket = new_batch_ticket(platform, client)
    platform.clock.advance(60)
    assert transient(platform, client, ticket).status_code == 401


def test_an_unknown_batch_ticket_is_refused(platform: Platform) -> None:
    assert transient(platform, platform.client(), "TT-made-up").status_code == 401


def test_batch_ticket_lifetime_follows_the_config(make_platform: PlatformFactory) -> None:
    platform = make_platform(PlatformSimulatorConfig(batch_ticket_ttl=5))
    client = platform.client()
    assert platform.batch_ticket(client).json()["expires_in"] == 5
    ticket = new_batch_ticket(platform, client)
    platform.clock.advance(5)
    assert transient(platform, client, ticket).status_code == 401


@pytest.mark.parametrize("fault", ["down", "passport_down"])
def test_passport_down(platform: Platform, fault: str) -> None:
    platform.faults(**{fault: True})
    client = platform.client()
    for response in (
        client.get(LOGIN, params={"action": "get_auth_params"}),
        client.get(LOGIN, params={"service": platform.service_url()}),
        client.post(LOGIN, data={}),
        platform.batch_ticket(client),
        client.get(TRANSIENT, params={"tgt": "x"}),
    ):
        assert response.status_code == 503
        assert response.json()["statusCode"] == 503


def test_unknown_passport_paths_and_methods(platform: Platform) -> None:
    client = platform.client()
    missing = client.get("/3dpassport/api/v9/nothing")
    assert missing.status_code == 404
    assert missing.json()["success"] is False
    wrong = client.put(LOGIN)
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET"
    assert platform.calls("unmatched") == 2
