"""Each login flow end to end, step by step as the gateway's client takes it, then a call."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from enovia.simulators.platform import (
    DEFAULT_CONTEXT,
    DOC_BRANCHED,
    PlatformSimulatorConfig,
    PlatformUser,
)
from tests.enovia.simulators.platform.conftest import PlatformFactory
from tests.enovia.simulators.platform.helpers import (
    AGENT_ID,
    AGENT_SECRET,
    BATCH_HEADERS,
    CSRF_PATH,
    PASSWORD,
    PERSON_PATH,
    USER,
    Platform,
    basic,
    by_ids,
    graph,
    hit_names,
    search,
)


def follow_once(client: httpx.Client, response: httpx.Response) -> httpx.Response:
    assert response.status_code == 302, response.text
    return client.get(response.headers["location"])


def open_session(platform: Platform, client: httpx.Client, first: httpx.Response) -> None:
    """From the redirect to `service?ticket=ST-...`: redeem it, and land on the resource."""
    assert "ticket=ST-" in first.headers["location"]
    redeemed = follow_once(client, first)
    assert redeemed.headers["location"] == platform.service_url()
    assert "JSESSIONID" in client.cookies
    landed = follow_once(client, redeemed)
    assert landed.status_code == 200
    assert landed.json()["name"] == USER


def discover_context(client: httpx.Client) -> str:
    response = client.get(PERSON_PATH, params={"current": "true", "select": "preferredcredentials"})
    credentials = response.json()["preferredcredentials"]
    names = (credentials[part]["name"] for part in ("role", "organization", "collabspace"))
    return ".".join(names)


def use_the_session(client: httpx.Client) -> None:
    """What the gateway does once logged in: context, CSRF, search, graph, ids."""
    client.headers["SecurityContext"] = discover_context(client)
    csrf = client.get(CSRF_PATH).json()["csrf"]
    assert csrf["name"] == "ENO_CSRF_TOKEN"
    client.headers["ENO_CSRF_TOKEN"] = csrf["value"]
    found = search(client, DOC_BRANCHED)
    assert [name for name, _, _ in hit_names(found)] == [DOC_BRANCHED] * 3
    ids = [hit["id"] for hit in found.json()["data"]]
    assert graph(client, ids[0]).status_code == 200
    assert by_ids(client, *ids).json()["items"] == 3


def test_batch_service_json_shape(platform: Platform) -> None:
    client = platform.client()
    ticket = platform.batch_ticket(client).json()["access_token"]
    transient = client.get(
        "/3dpassport/api/login/cas/transient",
        params={"tgt": ticket, "service": platform.service_url()},
    )
    assert transient.json()["result"] == "success"
    first = client.get("/3dpassport/login", params={"service": platform.service_url()})
    open_session(platform, client, first)
    use_the_session(client)
    stats = platform.stats()
    assert (stats["passport_logins"], stats["logins"], stats["token_requests"]) == (1, 1, 1)


def test_batch_service_redirect_shape(make_platform: PlatformFactory) -> None:
    platform = make_platform(PlatformSimulatorConfig(transient_login_shape="redirect"))
    client = platform.client()
    ticket = platform.batch_ticket(client).json()["access_token"]
    first = client.get(
        "/3dpassport/api/login/cas/transient",
        params={"tgt": ticket, "service": platform.service_url()},
    )
    open_session(platform, client, first)
    use_the_session(client)


def test_cas_password(platform: Platform) -> None:
    client = platform.client()
    lt = client.get("/3dpassport/login", params={"action": "get_auth_params"}).json()["lt"]
    first = client.post(
        "/3dpassport/login",
        params={"service": platform.service_url()},
        data={"lt": lt, "username": USER, "password": PASSWORD, "rememberMe": "no"},
    )
    open_session(platform, client, first)
    use_the_session(client)


def test_cas_password_starting_from_discovery(platform: Platform) -> None:
    """No passport URL given: the unauthenticated call's redirect says where to log in."""
    client = platform.client()
    discovery = client.get(PERSON_PATH, params={"current": "true"})
    passport = discovery.headers["location"].split("/login", 1)[0]
    lt = client.get(f"{passport}/login", params={"action": "get_auth_params"}).json()["lt"]
    login = client.post(
        discovery.headers["location"],
        data={"lt": lt, "username": USER, "password": PASSWORD},
    )
    open_session(platform, client, login)


def test_agent_on_a_cloud_tenant(make_platform: PlatformFactory) -> None:
    platform = make_platform(PlatformSimulatorConfig(tenant="R1132100001"))
    client = platform.client(
        params={"tenant": "R1132100001"},
        headers={"Authorization": basic(AGENT_ID, AGENT_SECRET)},
    )
    use_the_session(client)
    assert platform.stats()["logins"] == 0


def test_a_user_without_preferred_credentials(make_platform: PlatformFactory) -> None:
    config = PlatformSimulatorConfig(users=(PlatformUser(USER, PASSWORD, preferred_context=None),))
    platform = make_platform(config)
    client = platform.batch_login()
    response = client.get(PERSON_PATH, params={"current": "true", "select": "preferredcredentials"})
    assert response.status_code == 200
    assert response.json()["preferredcredentials"] is None
    # The context still works when given explicitly.
    client.headers["SecurityContext"] = DEFAULT_CONTEXT
    assert client.get(CSRF_PATH).status_code == 200


def test_person_without_select_has_no_credentials(platform: Platform) -> None:
    client = platform.batch_login()
    data = client.get(PERSON_PATH, params={"current": "true"}).json()
    assert set(data) == {"pid", "name"}
    assert client.get(PERSON_PATH).status_code == 400


def test_an_impersonated_second_user(make_platform: PlatformFactory) -> None:
    other = PlatformUser("reviewer", "pw-2", preferred_context=DEFAULT_CONTEXT)
    platform = make_platform(PlatformSimulatorConfig(users=(PlatformUser(USER, PASSWORD), other)))
    client = platform.client()
    ticket = client.get(
        "/3dpassport/api/v2/batch/ticket",
        params={"identifier": "reviewer"},
        headers=BATCH_HEADERS,
    ).json()["access_token"]
    client.get("/3dpassport/api/login/cas/transient", params={"tgt": ticket})
    service = platform.service_url()
    response = client.get(
        f"/3dpassport/login?service={quote(service, safe='')}", follow_redirects=True
    )
    assert response.json()["name"] == "reviewer"
