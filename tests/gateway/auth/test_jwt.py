"""Mode `jwt`: bearer tokens verified against the JWKS (signature, algorithm, claims)."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.gateway.auth.conftest import (
    AUDIENCE,
    GRAPHQL,
    Client,
    JwksServer,
    bearer,
    claims,
    forge,
    forge_hs256,
    jwt_config,
    mint,
    rsa_jwk,
)


def refusal(response) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    return str(error["message"])


async def test_rs256_token_is_accepted(make_client: Client, jwks: JwksServer, rsa_key):
    token = mint(rsa_key, "rsa-1")
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["identity"] == {
        "kind": "jwt",
        "id": "site-engineer-7",
        "sub": "site-engineer-7",
        "roles": ["client"],
    }
    assert body["client_id"] == "site-engineer-7"


async def test_es256_token_is_accepted(make_client: Client, jwks: JwksServer, ec_key):
    token = mint(ec_key, "ec-1", algorithm="ES256", sub="scanner-app")
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["identity"]["id"] == "scanner-app"


async def test_missing_token(make_client: Client, jwks: JwksServer):
    client = make_client(jwt_config(jwks))
    response = await client.post("/graphql", json=GRAPHQL)
    assert "missing credentials" in refusal(response)
    assert response.headers["www-authenticate"] == "Bearer"
    # An API key header means nothing in this mode.
    response = await client.post("/graphql", json=GRAPHQL, headers={"X-API-Key": "whatever"})
    assert "missing credentials" in refusal(response)


async def test_expiry_with_and_beyond_the_leeway(make_client: Client, jwks: JwksServer, rsa_key):
    client = make_client(jwt_config(jwks, leeway=30))
    now = int(time.time())
    within = mint(rsa_key, "rsa-1", exp=now - 10)
    assert (await client.post("/graphql", json=GRAPHQL, headers=bearer(within))).status_code == 200
    beyond = mint(rsa_key, "rsa-1", exp=now - 120)
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(beyond))
    assert refusal(response) == "token expired"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert beyond not in response.text


async def test_not_yet_valid(make_client: Client, jwks: JwksServer, rsa_key):
    client = make_client(jwt_config(jwks, leeway=30))
    now = int(time.time())
    soon = mint(rsa_key, "rsa-1", nbf=now + 10)
    assert (await client.post("/graphql", json=GRAPHQL, headers=bearer(soon))).status_code == 200
    later = mint(rsa_key, "rsa-1", nbf=now + 600)
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(later))
    assert refusal(response) == "token not yet valid"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exp": None}, "token lacks the 'exp' claim"),
        ({"sub": None}, "token lacks the 'sub' claim"),
        ({"iss": None}, "token lacks the 'iss' claim"),
        ({"aud": None}, "token lacks the 'aud' claim"),
        ({"iss": "https://evil.example.com/realms/plm"}, "wrong issuer"),
        # A prefix of the right issuer: PyJWT 2.10.0 let this through (CVE-2024-53861).
        ({"iss": "https://idp.example.com"}, "wrong issuer"),
        ({"aud": "another-service"}, "wrong audience"),
        ({"aud": ["another-service", "a-third"]}, "wrong audience"),
    ],
)
async def test_claims_that_are_refused(
    make_client: Client, jwks: JwksServer, rsa_key, overrides, message: str
):
    token = mint(rsa_key, "rsa-1", **overrides)
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert refusal(response) == message


async def test_audience_among_several_is_accepted(make_client: Client, jwks: JwksServer, rsa_key):
    token = mint(rsa_key, "rsa-1", aud=["account", AUDIENCE])
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert response.status_code == 200


async def test_issuer_and_audience_unchecked_when_not_configured(
    make_client: Client, jwks: JwksServer, rsa_key
):
    config = jwt_config(jwks, issuer=None, audience=None)
    token = mint(rsa_key, "rsa-1", iss="https://anyone.example", aud="anything")
    response = await make_client(config).post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert response.status_code == 200


async def test_alg_none_is_refused_without_fetching_keys(make_client: Client, jwks: JwksServer):
    unsigned = forge({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, claims())
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(unsigned)
    )
    assert refusal(response) == "token algorithm not accepted"
    assert jwks.hits == 0


async def test_hs256_signed_with_the_public_key_is_refused(
    make_client: Client, jwks: JwksServer, rsa_key: rsa.RSAPrivateKey
):
    """The algorithm-confusion forgery: an HMAC keyed with the (public) RSA key's PEM."""
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    client = make_client(jwt_config(jwks, algorithms=("RS256", "ES256", "PS256")))
    for secret in (
        public_pem,
        public_pem.strip(),
        rsa_key.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
    ):
        forged = forge_hs256(secret, "rsa-1", claims())
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(forged))
        assert refusal(response) == "token algorithm not accepted"
    assert jwks.hits == 0


async def test_algorithm_not_configured_is_refused(make_client: Client, jwks: JwksServer, ec_key):
    token = mint(ec_key, "ec-1", algorithm="ES256")
    response = await make_client(jwt_config(jwks, algorithms=("RS256",))).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert refusal(response) == "token algorithm not accepted"


async def test_algorithm_must_fit_the_key(make_client: Client, jwks: JwksServer, rsa_key, ec_key):
    client = make_client(jwt_config(jwks, algorithms=("RS256", "ES256", "PS256")))
    # An RSA signature presented under the EC key's id.
    token = mint(rsa_key, "ec-1", algorithm="RS256")
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert refusal(response) == "token algorithm does not match its key"
    # A JWK that pins RS256 does not verify PS256, though the key could.
    jwks.keys = [rsa_jwk(rsa_key, "pinned", alg="RS256")]
    client = make_client(jwt_config(jwks, algorithms=("RS256", "PS256")))
    token = mint(rsa_key, "pinned", algorithm="PS256")
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert refusal(response) == "token algorithm does not match its key"


async def test_signature_by_another_key_is_refused(
    make_client: Client, jwks: JwksServer, other_rsa_key: rsa.RSAPrivateKey
):
    token = mint(other_rsa_key, "rsa-1")
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert refusal(response) == "invalid token signature"


async def test_tampered_claims_are_refused(make_client: Client, jwks: JwksServer, rsa_key):
    head, _, signature = mint(rsa_key, "rsa-1").split(".")
    tampered_body = forge({}, claims(sub="admin")).split(".")[1]
    tampered = f"{head}.{tampered_body}.{signature}"
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(tampered)
    )
    assert refusal(response) == "invalid token signature"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "e30.e30.", "😀.x.y"])
async def test_malformed_tokens(make_client: Client, jwks: JwksServer, token: str):
    headers = {"Authorization": f"Bearer {token}".encode()}
    response = await make_client(jwt_config(jwks)).post("/graphql", json=GRAPHQL, headers=headers)
    assert refusal(response) in {"malformed token", "token algorithm not accepted"}


async def test_a_token_without_kid_uses_the_only_key(
    make_client: Client, jwks: JwksServer, rsa_key, ec_key
):
    token = mint(rsa_key, None)
    # Two keys: which one is meant cannot be told.
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert refusal(response) == "token signed with an unknown key"
    jwks.keys = [rsa_jwk(rsa_key, "only")]
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert response.status_code == 200


async def test_unusable_jwks_entries_are_skipped(
    make_client: Client, jwks: JwksServer, rsa_key: rsa.RSAPrivateKey
):
    private_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key, as_dict=True)
    jwks.keys = [
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
        {**rsa_jwk(rsa_key, "enc"), "use": "enc"},
        {**private_jwk, "kid": "private"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not a key",
        rsa_jwk(rsa_key, "good"),
    ]
    client = make_client(jwt_config(jwks))
    for kid in ("hmac", "enc", "private", "broken"):
        token = mint(rsa_key, kid)
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
        assert refusal(response) == "token signed with an unknown key", kid
    good = await client.post("/graphql", json=GRAPHQL, headers=bearer(mint(rsa_key, "good")))
    assert good.status_code == 200


async def test_eddsa_when_configured(make_client: Client, jwks: JwksServer):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from jwt.algorithms import OKPAlgorithm

    key = Ed25519PrivateKey.generate()
    jwks.keys = [{**OKPAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "ed"}]
    token = mint(key, "ed", algorithm="EdDSA")
    config = jwt_config(jwks, algorithms=("EdDSA",))
    response = await make_client(config).post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert response.status_code == 200, response.text


async def test_short_rsa_keys_are_refused(make_client: Client, jwks: JwksServer):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    jwks.keys = [rsa_jwk(weak, "weak")]
    # PyJWT warns when it signs with a short key; this test means to.
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        token = mint(weak, "weak")
    response = await make_client(jwt_config(jwks)).post(
        "/graphql", json=GRAPHQL, headers=bearer(token)
    )
    assert refusal(response) == "token signed with an unusable key"
