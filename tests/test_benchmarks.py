"""benchmarks/: the shared measuring code, and every benchmark still running (tiny counts).

These check that the benchmarks work, never how fast anything is: speed goals
live in the figures the benchmarks print.
"""

import os
import subprocess
import sys

import pytest

from workbench.paths import PROJECT_ROOT

BENCHMARKS = PROJECT_ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import common  # noqa: E402 - benchmarks/ is a folder of scripts, not a package


def test_rounds_take_one_sample_of_every_variant_in_a_rotating_order():
    calls = []
    variants = {name: (lambda name=name: calls.append(name) or len(calls)) for name in "abc"}
    samples = common.run_rounds(variants, 3)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert samples == {"a": [1, 6, 8], "b": [2, 4, 9], "c": [3, 5, 7]}
    assert common.ratios(samples["b"], samples["a"]) == [2.0, 4 / 6, 9 / 8]


def test_a_table_shows_the_median_and_the_range_and_marks_ratios():
    table = common.Table("Title", "note")
    table.add("read", [0.001, 0.003, 0.002], "ms", 1000)
    table.add_ratio("async / sync", [1.5, 1.2, 2.0])
    lines = table.render().splitlines()
    assert lines[:2] == ["## Title", "note"]
    assert lines[-2].split() == ["read", "[ms]", "2.00", "1.00", "–", "3.00"]
    assert lines[-1].split() == ["async", "/", "sync", "(×)", "1.50", "1.20", "–", "2.00"]


@pytest.mark.parametrize("name", ["orm", "http_io", "channel_layers", "task_runner", "workshop_server", "grading", "progress"])
def test_each_benchmark_runs_and_prints_its_tables(name, postgres_url, redis_url):
    env = {**os.environ, common.POSTGRES_ENV: postgres_url, common.REDIS_ENV: redis_url}
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), "--quick"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("## ")
    assert "(×)" in result.stdout  # every benchmark reports ratios measured side by side
    assert "PostgreSQL" in result.stdout or name != "orm"
    assert "Redis pub/sub" in result.stdout or name != "channel_layers"
    assert "nbgrader autograde" in result.stdout or name != "grading"


def test_the_runner_lists_the_benchmarks_and_refuses_an_unknown_one():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "nonsense"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown benchmark nonsense; available: startup, orm, http_io, channel_layers" in result.stderr


def test_the_workshop_benchmark_loads():
    # Its --quick run builds the docs site twice (about 40 s): run.py --quick does that;
    # here, that it still imports what it measures with.
    result = subprocess.run(
        [sys.executable, "-c", "import workshop"], cwd=BENCHMARKS, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_reliability_benchmark_loads_and_its_baseline_exists():
    # Its --quick run attacks two servers (about 75 s): run.py --quick does that;
    # here, that it imports, and that the revision it compares with is in the history.
    result = subprocess.run(
        [sys.executable, "-c", "import reliability; print(reliability.BASELINE)"],
        cwd=BENCHMARKS, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    revision = result.stdout.strip()
    exists = subprocess.run(["git", "-C", str(BENCHMARKS), "cat-file", "-e", f"{revision}^{{commit}}"])
    assert exists.returncode == 0, f"{revision} is not a commit of this repository"
