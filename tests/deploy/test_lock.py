"""requirements.lock, what the image installs, is current with pyproject.toml: without network.

`make lock` resolves pyproject.toml's `dependencies` and `build-system.requires` with uv for
the Dockerfile's Python on Linux and writes every package pinned with its hashes, under a
header that records what it was made from:

    # python: 3.11.11
    # requirements-sha256: <sha256 of those requirements, sorted, one a line>

These tests read only the checkout, so they never go stale on their own when PyPI publishes a
release: they fail when pyproject.toml's requirements (or the image's Python) changed since
the lock was made, and say to run `make lock`.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.deploy.test_deploy_files import dockerfile_instructions

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
RUN_MAKE_LOCK = "run `make lock` (and commit requirements.lock)"


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    hashes: tuple[str, ...]


@dataclass(frozen=True)
class Lock:
    header: dict[str, str]
    pins: dict[str, Pin]


def read_lock(text: str) -> Lock:
    """The `# key: value` lines of the header (before the first requirement), and each
    requirement with its hashes. Anything but `name==version --hash=sha256:...` fails."""
    header: dict[str, str] = {}
    pins: dict[str, Pin] = {}
    logical = re.sub(r"\\\n", " ", text)  # a requirement and its hashes, one line
    for line in logical.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, colon, value = stripped.lstrip("# ").partition(": ")
            if not pins and colon and re.fullmatch(r"[\w-]+", key):
                header[key] = value.strip()
            continue
        requirement, *options = shlex.split(stripped, comments=True)
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;@]+)", requirement)
        assert match, f"requirements.lock: {requirement!r} is not pinned as name==version"
        hashes = tuple(option.removeprefix("--hash=") for option in options)
        assert all(option.startswith("--hash=") for option in options), options
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"requirements.lock pins {name} twice"
        pins[name] = Pin(name, Version(match.group(2)), hashes)
    return Lock(header, pins)


@pytest.fixture(scope="module")
def lock() -> Lock:
    assert LOCK.is_file(), f"requirements.lock is missing: {RUN_MAKE_LOCK}"
    return read_lock(LOCK.read_text(encoding="utf-8"))


def pyproject_requirements() -> list[str]:
    """What `make lock` resolves: the runtime dependencies and the build backend."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return list(project["project"]["dependencies"]) + list(project["build-system"]["requires"])


def requirements_sha256(requirements: list[str]) -> str:
    """As `make lock` computes it: sorted, one a line, each line ended."""
    return hashlib.sha256(
        "".join(f"{line}\n" for line in sorted(requirements)).encode()
    ).hexdigest()


def image_python() -> str:
    """The Python version of the Dockerfile's first stage (`FROM python:3.11.11-slim-...`)."""
    image = dockerfile_instructions()[0][1].split()[0]
    match = re.fullmatch(r"python:(\d+\.\d+\.\d+)-.*", image)
    assert match, image
    return match.group(1)


def image_environment(python: str) -> dict[str, str]:
    """Environment markers of the image: CPython `python` on Linux, x86_64."""
    return {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "implementation_name": "cpython",
        "implementation_version": python,
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
    }


def test_the_lock_was_made_from_todays_requirements(lock: Lock) -> None:
    recorded = lock.header.get("requirements-sha256")
    assert recorded, f"requirements.lock does not say what it was made from: {RUN_MAKE_LOCK}"
    assert recorded == requirements_sha256(pyproject_requirements()), (
        "pyproject.toml's dependencies or build-system.requires changed since requirements.lock "
        f"was made: {RUN_MAKE_LOCK}"
    )


def test_the_lock_is_for_the_images_python(lock: Lock) -> None:
    assert lock.header.get("python") == image_python(), (
        f"requirements.lock was resolved for Python {lock.header.get('python')}, the image "
        f"runs {image_python()}: {RUN_MAKE_LOCK}"
    )


def test_every_requirement_is_pinned_at_a_version_it_admits(lock: Lock) -> None:
    environment = image_environment(image_python())
    for line in pyproject_requirements():
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue  # not installed in the image
        pin = lock.pins.get(canonicalize_name(requirement.name))
        assert pin is not None, f"{line} is not in requirements.lock: {RUN_MAKE_LOCK}"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"requirements.lock pins {pin.name}=={pin.version}, which {line} does not admit: "
            f"{RUN_MAKE_LOCK}"
        )


def test_every_pin_carries_its_hashes(lock: Lock) -> None:
    assert len(lock.pins) >= len(pyproject_requirements())
    for pin in lock.pins.values():
        assert pin.hashes, f"{pin.name}=={pin.version} has no hash: {RUN_MAKE_LOCK}"
        for digest in pin.hashes:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), (pin.name, digest)


def test_the_lock_reader_refuses_what_pip_would_not_install_by_hash() -> None:
    good = "# python: 3.11.11\nidna==3.10 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via x\n"
    parsed = read_lock(good)
    assert parsed.header == {"python": "3.11.11"}
    assert parsed.pins["idna"] == Pin("idna", Version("3.10"), ("sha256:" + "a" * 64,))
    for bad in ("idna>=3.10\n", "idna\n", "idna==3.10 --index-url=https://example.org\n"):
        with pytest.raises(AssertionError):
            read_lock(bad)
    assert requirements_sha256(["b", "a"]) == hashlib.sha256(b"a\nb\n").hexdigest()


def test_the_image_installs_the_lock_by_hash_and_nothing_else() -> None:
    installs = [
        shlex.split(arguments)
        for keyword, arguments in dockerfile_instructions()
        if keyword == "RUN" and "--require-hashes" in arguments
    ]
    assert len(installs) == 1, "one install from requirements.lock"
    (words,) = installs
    assert {"--require-hashes", "--no-deps"} <= set(words), words
    lock_path = words[words.index("--requirement") + 1]
    copies = [
        arguments.split()
        for keyword, arguments in dockerfile_instructions()
        if keyword == "COPY" and arguments.split()[0] == "requirements.lock"
    ]
    assert [copy[-1] for copy in copies] == [lock_path], copies
    assert "pip check" in " ".join(words), "the build fails on a lock that misses a dependency"
