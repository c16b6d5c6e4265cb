"""Figures, and how a run reports them: a table on stdout, JSON, a PNG chart of the ratios."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Ratio:
    """A figure as a ratio for the chart: `value` against `target` (higher or lower is better)."""

    label: str
    value: float
    target: float
    higher_is_better: bool

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


@dataclass
class Figure:
    """One row of the table. `met` is None for an informational row or a skipped figure."""

    key: str
    label: str
    value: float | None
    unit: str
    shown: str
    target: str = ""
    met: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    ratio: Ratio | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = (
            None if self.ratio is None else {**asdict(self.ratio), "met": self.ratio.met}
        )
        return data


def info(
    key: str, label: str, value: float | None, unit: str, shown: str, **details: Any
) -> Figure:
    return Figure(key, label, value, unit, shown, details=details)


def failed(key: str, label: str, error: BaseException) -> Figure:
    message = f"{type(error).__name__}: {error}"
    return Figure(key, label, None, "", "FAILED", "", False, {"error": message})


def skipped(key: str, label: str, reason: str) -> Figure:
    return Figure(key, label, None, "", f"skipped: {reason}", "", None, {"skipped": reason})


# -- the table -------------------------------------------------------------------------------


def _met_text(figure: Figure) -> str:
    if figure.met is None:
        return "-"
    return "yes" if figure.met else "NO"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "target", "met?")]
    rows += [(f.label, f.shown, f.target or "-", _met_text(f)) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        lines.append(" | ".join([*cells, row[3]]))
        if index == 0:
            lines.append("-+-".join(["-" * w for w in widths] + ["----"]))
    return "\n".join(lines)


def summary_line(figures: list[Figure]) -> str:
    judged = [f for f in figures if f.met is not None]
    missed = [f.label for f in judged if not f.met]
    text = f"{len(judged) - len(missed)} of {len(judged)} targets met"
    return text + (f"; not met: {'; '.join(missed)}" if missed else "")


# -- JSON ------------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    wrk_version = ""
    try:
        wrk_version = subprocess.run(
            ["wrk", "--version"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        wrk_version = "not installed"
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "wrk": wrk_version,
    }


def write_json(
    results_dir: Path, document: dict[str, Any], *, stamp: str, latest: bool
) -> list[Path]:
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    paths = [results_dir / f"{stamp}.json"]
    if latest:
        paths.append(results_dir / "latest.json")
    for path in paths:
        path.write_text(text, encoding="utf-8")
    return paths


def timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


# -- the chart -------------------------------------------------------------------------------


def write_chart(path: Path, figures: list[Figure]) -> Path | None:
    """Bars of the ratios (with their targets) and, when measured, RSS over documents."""
    ratios = [f.ratio for f in figures if f.ratio is not None]
    series = [f for f in figures if f.details.get("rss_series")]
    if not ratios and not series:
        return None
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no chart (pip install -e '.[bench]')")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (1 if ratios else 0) + (1 if series else 0)
    fig, axes = plt.subplots(1, panels, figsize=(6.4 * panels, 3.4), squeeze=False)
    column = 0
    if ratios:
        _ratio_panel(axes[0][column], ratios)
        column += 1
    if series:
        _rss_panel(axes[0][column], series)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _ratio_panel(axis: Any, ratios: list[Ratio]) -> None:
    labels = [r.label for r in ratios]
    values = [r.value for r in ratios]
    colours = ["#2e7d32" if r.met else "#c62828" for r in ratios]
    positions = range(len(ratios))
    axis.barh(positions, values, color=colours, height=0.55)
    for position, ratio in zip(positions, ratios, strict=True):
        axis.plot([ratio.target] * 2, [position - 0.38, position + 0.38], color="black", lw=1.5)
        sign = ">=" if ratio.higher_is_better else "<="
        axis.annotate(
            f"{ratio.value:.2f} (target {sign} {ratio.target:.2f})",
            (max(ratio.value, ratio.target), position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    axis.set_yticks(list(positions), labels, fontsize=7)
    axis.invert_yaxis()
    axis.set_xlim(0, max(max(values), max(r.target for r in ratios)) * 1.6)
    axis.set_title("ratios (green: target met; bar: value, tick: target)", fontsize=8)
    axis.tick_params(axis="x", labelsize=7)


def _rss_panel(axis: Any, figures: list[Figure]) -> None:
    for figure in figures:
        docs, rss = zip(*figure.details["rss_series"], strict=True)
        axis.plot(docs, rss, label=figure.details.get("backend", figure.key), lw=1.2)
    axis.set_xlabel("distinct documents requested", fontsize=7)
    axis.set_ylabel("gateway RSS (MiB)", fontsize=7)
    axis.set_ylim(bottom=0)
    axis.set_title("memory with a bounded cache", fontsize=8)
    axis.legend(fontsize=7)
    axis.tick_params(labelsize=7)
