"""`BusinessStatus`: a status code and its human label."""

from __future__ import annotations

import strawberry

from gateway.errors import BadUserInput
from schema import status
from schema.types import enums as _registered  # noqa: F401  (registers the enums)


@strawberry.type(description="PTE-QR business status of a revision.")
class BusinessStatus:
    code: status.BusinessStatusCode

    @strawberry.field(description="Human label; 'ru' (the seed's wording) and 'en'.")
    def label(self, lang: str | None = "ru") -> str:
        text = status.status_label(self.code, lang or "ru")
        if text is None:
            supported = ", ".join(status.LANGUAGES)
            raise BadUserInput(f"lang {lang!r} is not supported; use one of: {supported}")
        return text


_BY_CODE = {code: BusinessStatus(code=code) for code in status.BusinessStatusCode}


def business_status_of(code: status.BusinessStatusCode) -> BusinessStatus:
    """The shared, immutable `BusinessStatus` of `code`."""
    return _BY_CODE[code]
