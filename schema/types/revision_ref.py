"""`RevisionRef`: one revision of one document, as a QR code on a sheet names it."""

from __future__ import annotations

import strawberry

from schema.types import identifiers


@strawberry.input(description="One revision of one document, as the QR code on a sheet names it.")
class RevisionRef:
    uid: strawberry.ID = strawberry.field(description=identifiers.UID)
    revision: str = strawberry.field(description=identifiers.REVISION)
