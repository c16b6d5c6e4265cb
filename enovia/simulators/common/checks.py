"""Checks of start-up settings: each raises ValueError naming the setting it refuses."""

from __future__ import annotations

import math


def check_non_negative(name: str, value: float) -> None:
    """Raise ValueError naming *name* unless *value* is a finite number >= 0."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def check_fraction(name: str, value: float) -> None:
    """Raise ValueError naming *name* unless 0 <= *value* <= 1."""
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")


def check_error_status(name: str, value: int) -> None:
    """Raise ValueError naming *name* unless *value* is an HTTP error status (400-599)."""
    if not 400 <= value <= 599:
        raise ValueError(f"{name} must be an HTTP error status (400-599), got {value!r}")


def check_positive(name: str, value: float) -> None:
    """Raise ValueError naming *name* unless *value* is a finite number > 0."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
