"""`BusinessStatus`: a status code and its human label."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema import status
from schema.context import Info
from schema.types import enums as _registered  # noqa: F401  (registers the enums)


@strawberry.type(
    description=(
        "The PTE-QR business status of a revision, as a code for programs and a label for "
        "people. It follows the verdict on the revision, so that a replaced drawing is never "
        "shown as approved."
    )
)
class BusinessStatus:
    code: status.BusinessStatusCode = strawberry.field(
        description="The status as a code: decide on this, show label."
    )

    @strawberry.field(
        description=(
            "The status in words, in Russian (PTE-QR's own wording) or English; never an "
            "error: a label is always there to show."
        )
    )
    def label(
        self,
        info: Info,
        lang: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "The language: 'ru' or 'en' (a regional tag such as en-GB counts as its "
                    "language). Omitted, or a language without labels: the request's "
                    "Accept-Language header decides (its most preferred language that has "
                    "labels), else Russian."
                )
            ),
        ] = None,
    ) -> str:
        return status.status_label(self.code, lang, info.context.accept_language)


_BY_CODE = {code: BusinessStatus(code=code) for code in status.BusinessStatusCode}


def business_status_of(code: status.BusinessStatusCode) -> BusinessStatus:
    """The shared, immutable `BusinessStatus` of `code`."""
    return _BY_CODE[code]
