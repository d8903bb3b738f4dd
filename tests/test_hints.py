"""Next steps for out-of-order and repeated cells, in a real kernel started as `workbench lab` starts them."""

import os
import re
import subprocess
from unittest import mock

import pytest

from workbench import hints
from workbench.tooling.lab import kernel_data_dir


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel from `workbench lab`'s kernelspec (python3 + --ext workbench), in a fresh folder."""
    from jupyter_client.manager import start_new_kernel

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("WORKBENCH_")}
    env["TMPDIR"] = str(tmp_path_factory.mktemp("kernel-tmp"))
    # The kernelspec is looked up in this process's JUPYTER_PATH, as JupyterLab's server looks it up in its own.
    with mock.patch.dict(os.environ, {"JUPYTER_PATH": str(kernel_data_dir())}):
        manager, client = start_new_kernel(
            kernel_name="python3", cwd=str(tmp_path_factory.mktemp("cwd")), env=env,
            startup_timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    assert "--ext" in manager.kernel_spec.argv
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run(client, code):
    """Run ``code``; return (stdout, error traceback lines or None)."""
    printed, errors = [], []

    def collect(message):
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            errors.append(message["content"]["traceback"])

    client.execute_interactive(code, timeout=120, output_hook=collect)
    return "".join(printed), (errors[0] if errors else None)


def test_sync_magic_before_setup_says_what_to_run(kernel):
    _, error = run(kernel, "%%sync\n1 + 1")
    assert error == [f"WorkbenchError: {hints.NOT_SET_UP} {hints.FULL_TRACEBACK}"]


def test_context_magic_works_before_setup(kernel):
    printed, error = run(kernel, "%context")
    assert error is None and "event loop running:     yes" in printed


def test_a_model_imported_before_setup_says_what_to_run(kernel):
    _, error = run(kernel, "from sample_project.library.models import Author")
    assert len(error) == 1
    assert re.match(r"(AppRegistryNotReady|ImproperlyConfigured): Django is not set up in this kernel yet", error[0])
    assert "DJANGO_SETTINGS_MODULE" not in error[0]


def test_a_create_cell_run_twice_says_why_and_what_to_do(kernel):
    run(kernel, "import workbench\nworkbench.setup()\nfrom sample_project.library.models import Author")
    create = 'await Author.objects.acreate(name="Ursula K. Le Guin")'
    assert run(kernel, create)[1] is None
    _, error = run(kernel, create)
    assert len(error) == 1
    assert error[0].startswith("IntegrityError: UNIQUE constraint failed: library_author.name")
    assert hints.ALREADY_RUN in error[0]


def test_other_errors_keep_their_whole_traceback(kernel):
    _, error = run(kernel, "def broken():\n    raise KeyError('x')\nbroken()")
    assert len(error) > 1 and any("broken()" in line for line in error)


def test_tb_still_shows_the_whole_traceback_after_a_short_one(kernel):
    run(kernel, "import workbench\nworkbench.setup()")
    _, short = run(kernel, 'workbench.setup(channel_layer="redis://127.0.0.1:1/0")')  # a conflicting second setup()
    assert len(short) == 1 and short[0].startswith("WorkbenchError: workbench.setup() already configured")
    printed, error = run(kernel, "%tb")
    shown = "\n".join(error or []) + printed
    assert "_refuse_other_backends" in shown and "WorkbenchError" in shown
