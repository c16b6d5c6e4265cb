"""Identifiers from GraphQL arguments, checked before anything reaches a loader."""

from __future__ import annotations

from gateway.enovia import path_segment, revision_segment


def checked_uid(uid: str) -> str:
    """`uid` unchanged, or `BAD_USER_INPUT` when it could not be sent to ENOVIA."""
    path_segment(uid, "uid")
    return uid


def checked_revision(revision: str) -> str:
    """`revision` unchanged, or `BAD_USER_INPUT` when it could not be sent to ENOVIA."""
    revision_segment(revision)
    return revision
