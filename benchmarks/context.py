"""What every part of a run shares: the options, the running processes, fresh uids."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import profiling
from benchmarks.processes import ManagedProcess, start_gateway
from benchmarks.queries import ColdUids


@dataclass(frozen=True)
class Options:
    latency_ms: float
    duration_s: float
    quick: bool
    connections: int
    cold_samples: int
    concurrent_queries: int
    memory_documents: int
    cache_entries: int
    memory_concurrency: int
    memory_budget_s: float
    bodies: str  # warm figures: 'fixed', 'distinct' or 'both'
    profile: bool
    strict: bool
    only: tuple[str, ...]


@dataclass
class Bench:
    options: Options
    results_dir: Path
    log_dir: Path
    work_dir: Path
    simulator_url: str
    uids: ColdUids = field(default_factory=ColdUids)
    gateway: ManagedProcess | None = None
    gateway_url: str = ""
    profiles: dict[Path, str] = field(default_factory=dict)  # text file: its hot spots

    @property
    def latency_ms(self) -> float:
        return self.options.latency_ms

    def body_file(self, name: str, content: bytes) -> Path:
        """A request or answer body on disk (for wrk and the floor app)."""
        directory = self.results_dir / "bodies"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        path.write_bytes(content)
        return path

    def start_gateway(
        self, name: str, settings: Mapping[str, str], stack: ExitStack, profile_name: str
    ) -> tuple[ManagedProcess, str]:
        """A gateway stopped when *stack* closes; profiled (as *profile_name*) with --profile."""
        session = None
        if self.options.profile:
            session = self.results_dir / f"profile-{profile_name}.pyisession"
        process, url = start_gateway(
            name,
            self.simulator_url,
            settings,
            log_dir=self.log_dir,
            workdir=self.work_dir,
            profile_to=session,
        )
        if session is not None:
            text = session.with_suffix(".txt")
            process.on_stopped.append(lambda: self._profiled(session, text))
        stack.callback(process.stop)
        return process, url

    def _profiled(self, session: Path, text: Path) -> None:
        if session.exists():
            self.profiles[text] = profiling.render(session, text)
        else:
            print(f"(no profile written to {session}: see {self.log_dir})")
