"""`BusinessStatus`: a status code and its human label."""

from __future__ import annotations

import strawberry

from schema import status
from schema.context import Info
from schema.types import enums as _registered  # noqa: F401  (registers the enums)


@strawberry.type(description="PTE-QR business status of a revision.")
class BusinessStatus:
    code: status.BusinessStatusCode

    @strawberry.field(
        description=(
            "Human label in `lang` ('ru', the wording of PTE-QR, or 'en'). Without `lang`, or "
            "for a language without labels, the request's Accept-Language header decides, "
            "else Russian: never an error."
        )
    )
    def label(self, info: Info, lang: str | None = None) -> str:
        return status.status_label(self.code, lang, info.context.accept_language)


_BY_CODE = {code: BusinessStatus(code=code) for code in status.BusinessStatusCode}


def business_status_of(code: status.BusinessStatusCode) -> BusinessStatus:
    """The shared, immutable `BusinessStatus` of `code`."""
    return _BY_CODE[code]
