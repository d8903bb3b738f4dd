"""``run_pytest()``: a real pytest session in a child process, its report stable, its failures explained."""

import pytest

import workbench

TESTS = """
import asyncio


async def test_an_async_test_runs():
    await asyncio.sleep(0)


def test_that_fails():
    assert 1 + 1 == 3
"""


async def test_a_run_reports_each_test_without_timings(tmp_path):
    (tmp_path / "test_demo.py").write_text(TESTS)
    run = await workbench.run_pytest("-o", "asyncio_mode=auto", cwd=tmp_path)
    assert run.returncode == 1
    assert run.outcomes() == {"test_demo.py::test_an_async_test_runs": "PASSED", "test_demo.py::test_that_fails": "FAILED"}
    assert "FAILED test_demo.py::test_that_fails - assert (1 + 1) == 3" in run.report
    assert " in " not in run.report.splitlines()[-1]  # "1 failed, 1 passed" with no time


async def test_pytest_that_cannot_run_says_what_it_said(tmp_path):
    with pytest.raises(workbench.WorkbenchError, match=r"(?s)could not run .*exit status 4.*no_such_plugin"):
        await workbench.run_pytest("test_x.py", cwd=tmp_path, plugins=["no_such_plugin"])


async def test_a_run_that_hangs_is_stopped_and_named(tmp_path):
    (tmp_path / "test_slow.py").write_text("import time\n\ndef test_waits():\n    time.sleep(60)\n")
    with pytest.raises(workbench.WorkbenchError, match=r"did not finish in 3 s"):
        await workbench.run_pytest("test_slow.py", cwd=tmp_path, timeout=3)
