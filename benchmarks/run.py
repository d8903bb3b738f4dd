"""Run every benchmark (or the ones named), one after another, and print all their tables.

    python benchmarks/run.py                      # all of them
    python benchmarks/run.py orm http_io          # some of them
    python benchmarks/run.py --quick              # tiny counts: does everything still run?
    python benchmarks/run.py --output results.md  # also write the tables to a file

Each benchmark runs in a process of its own (each configures Django its own
way) and shows a progress bar on stderr; tables go to stdout. PostgreSQL and
Redis are started once here, on loopback, and shared through the environment
(``WORKBENCH_TEST_POSTGRES_URL`` / ``WORKBENCH_TEST_REDIS_URL``, or give your own).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from common import POSTGRES_ENV, REDIS_ENV, server_url

HERE = Path(__file__).resolve().parent
# In this order; a name whose script is missing (not merged yet) is skipped.
BENCHMARKS = {
    "startup": "import workbench, setup(), each lesson under nbval",
    "orm": "ORM per operation and per request: sync, a-method, gather; SQLite and PostgreSQL",
    "http_io": "N calls to a 50 ms endpoint: sequential, thread pool, AsyncClient + gather",
    "channel_layers": "group_send throughput: in-memory, Redis, Redis pub/sub; 1, 10, 100 receivers",
    "ws_load": "WebSocket load: N clients in one room on live servers",
    "reliability": "issue 15's attacks on the real-time server, before and after the hardening, side by side",
    "task_runner": "the task runner's cost per task beside asyncio.gather",
    "workshop": "exercises under nbval, student versions, the docs build",
    "grading": "workbench grade --jobs 1 and 2 beside nbgrader autograde: notebooks per minute",
    "workshop_server": "workbench serve on PostgreSQL + Redis: clients held, messages/s, p99; 1 and 2 workers",
    "progress": "live progress: results/s and p99 from a check to the staff grid, 200 learners; 2 and 1 workers",
    "suite": "the whole test command, workbench test",
}
NEEDS_SERVERS = {"orm", "channel_layers", "workshop_server", "progress"}
# --quick for the scripts written with common.py; the others get small counts of their own.
QUICK_ARGS = {
    "ws_load": ["--clients", "20", "--messages", "1"],
}


def available() -> list[str]:
    return [name for name in BENCHMARKS if (HERE / f"{name}.py").exists()]


def main(argv: list[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", nargs="*", metavar="NAME", help=f"any of: {', '.join(names)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny counts for every benchmark: does everything still run?")
    parser.add_argument("--output", type=Path, help="also write the tables (Markdown-friendly) to this file")
    args = parser.parse_args(argv)
    unknown = [n for n in args.benchmarks if n not in names]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(names)}")
    chosen = args.benchmarks or names

    outputs: list[str] = []
    started = time.perf_counter()
    with ExitStack() as stack:
        env = dict(os.environ)
        if NEEDS_SERVERS & set(chosen):
            for kind, variable in (("postgresql", POSTGRES_ENV), ("redis", REDIS_ENV)):
                if not env.get(variable):
                    print(f"run: starting {kind} on loopback", file=sys.stderr, flush=True)
                    url = stack.enter_context(server_url(kind))
                    if url:
                        env[variable] = url
        for index, name in enumerate(chosen, 1):
            script = HERE / f"{name}.py"
            command = [sys.executable, str(script)]
            if args.quick:
                command += QUICK_ARGS.get(name, ["--quick"])
            print(f"run: [{index}/{len(chosen)}] {name}: {BENCHMARKS[name]}", file=sys.stderr, flush=True)
            result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
            print(result.stdout, end="", flush=True)
            outputs.append(result.stdout)
            if result.returncode != 0:
                print(f"run: {name} failed with exit status {result.returncode}", file=sys.stderr)
                return result.returncode
    total = time.perf_counter() - started
    print(f"run: {len(chosen)} benchmarks in {total:.0f} s", file=sys.stderr)
    if args.output:
        args.output.write_text("\n".join(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
