"""The public surface of ``workbench``: pinned, and free of side effects on import."""

import subprocess
import sys

import workbench


def test_public_names_are_pinned():
    assert sorted(workbench.__all__) == [
        "CheckResult",
        "ContextReport",
        "ExpectationFailed",
        "ExtraDatabase",
        "LiveServer",
        "LocalEndpoint",
        "LocalServer",
        "LocalService",
        "LogCapture",
        "LoopLagProbe",
        "PytestRun",
        "ServiceUnavailable",
        "Trace",
        "Workbench",
        "WorkbenchError",
        "add_database",
        "capture_log",
        "check",
        "communicator",
        "describe_context",
        "expect",
        "group_members",
        "is_async_context",
        "lesson_file",
        "local_endpoint",
        "loop_lag",
        "run_pytest",
        "run_sync",
        "serve",
        "setup",
        "start_postgres",
        "start_redis",
        "stop_servers",
        "trace",
        "wait_until",
    ]
    for name in workbench.__all__:
        assert getattr(workbench, name).__module__.startswith("workbench.")


def test_import_configures_nothing_and_loads_no_models():
    code = (
        "import sys, workbench\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
        "assert 'django.db.models' not in sys.modules, 'models imported'\n"
        "assert 'sample_project.library.models' not in sys.modules\n"
        "assert 'channels.testing' not in sys.modules and 'twisted' not in sys.modules\n"
        "assert 'uvicorn' not in sys.modules, 'server imported'\n"
        "assert 'http.server' not in sys.modules, 'the local endpoint is loaded on first use'\n"
        "tooling = sorted(m for m in sys.modules if m.split('.')[0] in TOOLING or m.startswith('workbench.tooling'))\n"
        "assert not tooling, tooling\n"
        "print('clean')\n"
    )
    tooling = ("argparse", "nbclient", "nbformat", "sphinx", "myst_nb", "jupyter_client", "pytest")
    code = f"TOOLING = {tooling!r}\n" + code
    env = {"PATH": ""}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "clean", result.stderr


def test_lazily_loaded_names_work_like_the_others():
    from workbench import LocalEndpoint, local_endpoint

    assert local_endpoint.__module__ == "workbench.endpoints" and LocalEndpoint.__name__ == "LocalEndpoint"
