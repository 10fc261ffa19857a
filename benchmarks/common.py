"""Shared benchmark helpers: timing with warm-up and repeats, and tidy result rows appended to CSV."""
from __future__ import annotations

import csv
import datetime
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Callable

import torch

RESULTS = Path(__file__).parent / "results"


def time_call(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> tuple[float, float]:
    """Median wall seconds of ``fn()`` over ``repeat`` runs after ``warmup``, and the spread (max − min)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times) - min(times)


def environment() -> dict[str, str]:
    """Date, git sha, machine and library versions for a result row."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sha = "unknown"
    try:
        import triton

        triton_version = triton.__version__
    except ImportError:
        triton_version = "none"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_sha": sha,
        "machine": f"{platform.machine()} {torch.get_num_threads()} threads",
        "torch": torch.__version__,
        "triton": triton_version,
    }


def append_rows(name: str, rows: list[dict]) -> Path:
    """Append tidy rows (environment columns first) to benchmarks/results/<name>.csv."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.csv"
    env = environment()
    rows = [{**env, **row} for row in rows]
    fields = list(rows[0])
    new = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        if new:
            writer.writeheader()
        writer.writerows(rows)
    return path


def save_report(name: str, rows: list[dict], lines: list[str]) -> None:
    """Replace benchmarks/results/<name>.csv (columns in first-seen order) and <name>.md, and print the
    Markdown."""
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with (RESULTS / f"{name}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
