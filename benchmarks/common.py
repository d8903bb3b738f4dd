"""What every benchmark shares: rounds measured side by side, tables, a progress bar, servers.

Each benchmark measures its variants in *rounds*: one sample of every variant
per round, in an order that rotates from round to round, so a slow moment of
the (shared, 2-core) machine hits all variants alike. A ratio is computed per
round from the two samples of that round, then summarised like any figure:
median and min–max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/x.py` from anywhere imports the project
    sys.path.insert(0, str(ROOT))


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark accepts."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--rounds", type=int, default=None, help="rounds of every variant (default: the benchmark's own)")
    result.add_argument("--quick", action="store_true", help="tiny counts: checks the benchmark runs, figures mean little")
    return result


def progress_bar(total: int, description: str) -> Any:
    """A tqdm bar on stderr (the tables go to stdout)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, file=sys.stderr, leave=False, dynamic_ncols=True)


def run_rounds(
    variants: dict[str, Callable[[], float]], rounds: int, bar: Any = None
) -> dict[str, list[float]]:
    """Run every variant once per round, rotating the order; return the samples per variant."""
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            if bar is not None:
                bar.set_postfix_str(name[:40], refresh=False)
            samples[name].append(variants[name]())
            if bar is not None:
                bar.update(1)
    return samples


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Per-round ratios of two variants measured in the same rounds."""
    return [n / d for n, d in zip(numerators, denominators, strict=True)]


@dataclass
class Table:
    """Rows of ``median  min – max``; ratio rows are marked ``×``."""

    title: str
    note: str = ""
    rows: list[tuple[str, list[float], str]] = field(default_factory=list)

    def add(self, label: str, values: Sequence[float], unit: str = "", scale: float = 1.0) -> None:
        self.rows.append((f"{label} [{unit}]" if unit else label, [v * scale for v in values], "value"))

    def add_ratio(self, label: str, values: Sequence[float]) -> None:
        self.rows.append((f"{label} (×)", list(values), "ratio"))

    def render(self) -> str:
        width = max([len(label) for label, _, _ in self.rows] + [20]) + 2
        lines = [f"## {self.title}"]
        if self.note:
            lines.append(self.note)
        lines.append("")
        lines.append(f"{'what':{width}} {'median':>10}   {'min – max':>21}")
        for label, values, kind in self.rows:
            if not values:
                lines.append(f"{label:{width}} {'—':>10}")
                continue
            digits = 2 if kind == "ratio" else _digits(statistics.median(values))
            median, low, high = statistics.median(values), min(values), max(values)
            lines.append(f"{label:{width}} {median:10.{digits}f}   {low:9.{digits}f} – {high:9.{digits}f}")
        return "\n".join(lines) + "\n"

    def print(self) -> None:
        print(self.render(), flush=True)


def _digits(value: float) -> int:
    return 0 if abs(value) >= 1000 else 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else 3


def machine_note() -> str:
    """One line saying where the figures come from."""
    import platform

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores "
        f"(load average {load:.1f} at the end), Python {platform.python_version()}"
    )


# -- servers ----------------------------------------------------------------

from workbench.environment import TEST_POSTGRES_ENV as POSTGRES_ENV  # noqa: E402 - the names `workbench test` sets
from workbench.environment import TEST_REDIS_ENV as REDIS_ENV  # noqa: E402


@contextmanager
def server_url(kind: str) -> Iterator[str | None]:
    """A PostgreSQL or Redis URL: from the environment, else a throw-away server of our own.

    Yields None (the benchmark then leaves those rows out and says why) when
    the server cannot be had, e.g. not root and not installed.
    """
    from workbench import services

    env, start = {"postgresql": (POSTGRES_ENV, services.start_postgres),
                  "redis": (REDIS_ENV, services.start_redis)}[kind]
    if os.environ.get(env):
        yield os.environ[env]
        return
    try:
        server = start()
    except services.ServiceUnavailable as exc:
        print(f"note: no {kind} server, its rows are left out: {exc}", file=sys.stderr)
        yield None
        return
    with server:
        yield server.url


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A fresh database on ``server`` for one benchmark run, dropped afterwards."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
