"""A secret the gateway sends upstream (an OAuth2 client secret, a batch service secret, an
agent secret, a password): a value, or a mounted file that can be re-read on rotation."""

from __future__ import annotations

from pathlib import Path


class Secret:
    """Holds a secret without ever showing it (`repr`/`str` print `***`).

    With a `file` the secret is the file's content without surrounding whitespace. With
    `rotation` as well, `reload()` reads the file again, so a secret rotated by the platform
    (a re-mounted Kubernetes secret, say) is picked up when ENOVIA refuses the old one.
    """

    __slots__ = ("_file", "_rotation", "_value")

    def __init__(
        self, value: str | None = None, *, file: Path | None = None, rotation: bool = False
    ):
        if value is None and file is None:
            raise ValueError("a secret needs a value or a file")
        self._file = file
        self._rotation = rotation and file is not None
        self._value = value if file is None else self._read(file)

    @staticmethod
    def _read(file: Path) -> str:
        secret = file.read_text(encoding="utf-8").strip()
        if not secret:
            raise ValueError(f"the secret file {file} is empty")
        return secret

    def get(self) -> str:
        assert self._value is not None
        return self._value

    def reload(self) -> bool:
        """Re-read the file when rotation is on; True when the secret changed."""
        if not self._rotation or self._file is None:
            return False
        try:
            fresh = self._read(self._file)
        except (OSError, ValueError):
            return False
        changed = fresh != self._value
        self._value = fresh
        return changed

    def __repr__(self) -> str:
        source = f"file={str(self._file)!r}" if self._file else "value"
        return f"Secret({source}, ***)"

    __str__ = __repr__
