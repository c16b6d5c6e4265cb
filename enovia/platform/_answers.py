"""The platform's JSON answers, as typed models (docs/3dexperience-protocol.md).

Only the fields the gateway reads are declared; every other field is ignored, so that a
platform release adding fields changes nothing. A declared field of the wrong type is an
error (`enovia._models.parse_answer` names it), never coerced.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from enovia._models import EnoviaModel


class BatchTicketAnswer(EnoviaModel):
    """3DPassport's `api/v2/batch/ticket`: a transient CAS ticket (snake_case on the wire)."""

    access_token: str = Field(alias="access_token", repr=False)
    token_type: str = Field(alias="token_type")


class TransientLoginAnswer(EnoviaModel):
    """3DPassport's `api/login/cas/transient`, JSON shape: `{"result": "success", ...}`."""

    result: str


class AuthParamsAnswer(EnoviaModel):
    """3DPassport's `login?action=get_auth_params`: `{"response": "login", "lt": "LT-..."}`."""

    response: str
    lt: str | None = Field(default=None, repr=False)


class _Named(EnoviaModel):
    name: str


class PreferredCredentials(EnoviaModel):
    role: _Named | None = None
    organization: _Named | None = None
    collabspace: _Named | None = None


class PersonAnswer(EnoviaModel):
    """3DSpace's `pno/person?current=true[&select=preferredcredentials]`."""

    name: str | None = None
    preferredcredentials: PreferredCredentials | None = None

    def security_context(self) -> str | None:
        """`role.organization.collabspace` of the preferred credentials; None when the
        platform gave none or an incomplete one."""
        preferred = self.preferredcredentials
        if preferred is None:
            return None
        parts = (preferred.role, preferred.organization, preferred.collabspace)
        names = [part.name for part in parts if part is not None and part.name]
        return ".".join(names) if len(names) == len(parts) else None


class CsrfToken(EnoviaModel):
    name: str
    value: str = Field(repr=False)


class CsrfAnswer(EnoviaModel):
    """3DSpace's `application/CSRF`: the header name and value to send with POSTs."""

    csrf: CsrfToken


class DataElements(EnoviaModel):
    name: str
    title: str | None = None
    revision: str | None = None
    state: str | None = None
    originated: datetime | None = None
    modified: datetime | None = None


class DocumentObject(EnoviaModel):
    """One object of the documents envelope's `data`."""

    id: str
    type: str
    relative_path: str | None = None
    dataelements: DataElements


class DocumentsAnswer(EnoviaModel):
    """The documents envelope (search, ids); `items` is, for a search, the number of hits
    over every page."""

    items: int | None = None
    data: tuple[DocumentObject, ...]


class Ancestor(EnoviaModel):
    id: str
    edge_type: str | None = None


class GraphVersion(EnoviaModel):
    id: str
    type: str | None = None
    revision: str
    maturity_state: str
    ancestors: tuple[Ancestor, ...] = ()


class GraphResult(EnoviaModel):
    """One asked object's family; an object that does not exist has an `errorCode` and no
    `versions`."""

    id: str
    error_code: str | int | None = None
    versions: tuple[GraphVersion, ...] | None = None


class GraphAnswer(EnoviaModel):
    """`dslc/version/getGraph`: one result per asked object, in no promised order."""

    results: tuple[GraphResult, ...]
