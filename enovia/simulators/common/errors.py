"""The error a simulator's document store raises when it refuses a change."""

from __future__ import annotations


class StoreError(Exception):
    """A change the store refuses; `status` and `error` are what the admin API answers."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
