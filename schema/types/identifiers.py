"""What a QR code on a drawing carries (a document uid and a revision label): the words that
describe them, and the argument types that carry those words, for every field that takes one."""

from __future__ import annotations

from typing import Annotated, Final

import strawberry

#: A document uid, wherever one is asked for (arguments and `RevisionRef.uid`).
UID: Final = (
    "The drawing's document uid, as its PTE-QR code carries it. Over the ENOVIA REST "
    "facade (/api/v1/documents, the default upstream) it is the facade's document uid, "
    "such as DOC-001 (not necessarily the number printed on the sheet). Over the "
    "3DEXPERIENCE platform (ENOVIA_API=3dexperience) it is the document's name, that is its "
    "drawing number, matched exactly; the 32-hex-digit physical id of any of its revisions "
    "works too. Empty, longer than 256 characters, '.', '..' or holding a control "
    "character: BAD_USER_INPUT, never sent to ENOVIA."
)

#: Several document uids.
UIDS: Final = (
    "The drawings' document uids, each as its PTE-QR code carries it: over the ENOVIA REST "
    "facade, the facade's document uid (such as DOC-001); over the 3DEXPERIENCE platform, "
    "the document's name (its drawing number) or the 32-hex-digit physical id of one of its "
    "revisions. At most GATEWAY_MAX_BATCH (100 by default); more is BAD_USER_INPUT before "
    "anything is asked."
)

#: A revision label, wherever one is asked for (arguments and `RevisionRef.revision`).
REVISION: Final = (
    "The revision label printed on the sheet next to the QR code, such as A, B or A/2, looked "
    "up as ENOVIA spells it. Over the 3DEXPERIENCE platform with TDX_REVISION_MATCH=major, a "
    "printed B also finds the newest B.<n>. 'latest' is reserved (ask for latestRevision "
    "instead); empty, longer than 256 characters, '.', '..' or holding a control character "
    "is BAD_USER_INPUT, never sent to ENOVIA."
)

DocumentUid = Annotated[strawberry.ID, strawberry.argument(description=UID)]
DocumentUids = Annotated[list[strawberry.ID], strawberry.argument(description=UIDS)]
RevisionLabel = Annotated[str, strawberry.argument(description=REVISION)]
