"""The seed's ENOVIA REST API (`/oauth2/token`, `/api/v1/documents/...`): `FacadeClient`, an
`Upstream` over one shared `httpx.AsyncClient`, authenticated by `ClientCredentialsAuth`
(OAuth2 client credentials, as an `httpx.Auth` flow)."""

from enovia.facade._auth import ClientCredentialsAuth, TokenAuthMethod, TokenObserver
from enovia.facade._client import (
    DOCUMENT,
    HEALTH,
    LATEST,
    REVISION,
    FacadeClient,
)

__all__ = [
    "DOCUMENT",
    "HEALTH",
    "LATEST",
    "REVISION",
    "ClientCredentialsAuth",
    "FacadeClient",
    "TokenAuthMethod",
    "TokenObserver",
]
