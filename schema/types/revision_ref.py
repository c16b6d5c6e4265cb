"""`RevisionRef`: one revision of one document, as a QR code on a sheet names it."""

from __future__ import annotations

import strawberry


@strawberry.input(description="One revision of one document, as the QR code on a sheet names it.")
class RevisionRef:
    uid: strawberry.ID = strawberry.field(
        description=(
            "The document, as the QR code carries it (the facade's document uid; on the "
            "3DEXPERIENCE platform, the document's name or a physical id)."
        )
    )
    revision: str = strawberry.field(description="The revision label printed on the sheet.")
