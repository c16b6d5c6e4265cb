"""Running wrk (Debian's `wrk` package) with `post.lua` and reading its summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("post.lua")
MARKER = "WRK_JSON "
INSTALL_HINT = "wrk is not installed: apt-get install wrk (Debian's compiled load generator)"


class WrkError(RuntimeError):
    """wrk failed or printed no summary."""


@dataclass(frozen=True)
class WrkResult:
    connections: int
    duration_s: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(url: str, body_file: Path, *, connections: int, duration_s: float) -> WrkResult:
    """POST *body_file* to *url* for *duration_s* with one thread and *connections*."""
    binary = wrk_path()
    if binary is None:
        raise WrkError(INSTALL_HINT)
    seconds = max(1, round(duration_s))
    argv = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    argv += ["-s", str(LUA_SCRIPT), url]
    env = {**os.environ, "WRK_BODY_FILE": str(body_file)}
    completed = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False
    )
    if completed.returncode != 0:
        raise WrkError(f"wrk exited {completed.returncode}: {completed.stderr.strip()}")
    return _parse(completed.stdout, connections)


def _parse(stdout: str, connections: int) -> WrkResult:
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER) :])
            break
    else:
        raise WrkError(f"wrk printed no summary:\n{stdout}")
    duration_s = data["duration_us"] / 1e6
    latency = data["latency_us"]
    return WrkResult(
        connections=connections,
        duration_s=duration_s,
        requests=data["requests"],
        requests_per_s=data["requests"] / duration_s if duration_s else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        mean_ms=latency["mean"] / 1000,
        max_ms=latency["max"] / 1000,
        errors=data["errors"],
    )
