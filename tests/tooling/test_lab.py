"""``workbench lab``: JupyterLab on a folder, stopped with its kernels, warmed up."""

import os
import subprocess
import sys

from tests.tooling.conftest import workbench
from workbench.tooling import lab


def test_lab_refuses_a_folder_that_does_not_exist():
    result = workbench("lab", "--port", "8890")
    assert result.returncode == 2
    assert "no folder '8890'" in result.stderr and "--port=8890" in result.stderr


def test_lab_stops_jupyterlab_and_its_kernels_when_terminated(tmp_path):
    import json
    import time
    import urllib.request

    from workbench.services import free_port, is_listening

    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "c"), "JUPYTER_DATA_DIR": str(tmp_path / "d"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "r")}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "lab", str(tmp_path), "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=t", "--ServerApp.port_retries=0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not is_listening("127.0.0.1", port) and time.monotonic() < deadline:
            assert process.poll() is None, "workbench lab exited early"
            time.sleep(0.2)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernels?token=t", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel = json.load(response)
        kernel_file = tmp_path / "r" / f"kernel-{kernel['id']}.json"
        assert kernel_file.exists()
    finally:
        process.terminate()  # SIGTERM to the workbench process only
        assert process.wait(timeout=60) is not None
    assert not is_listening("127.0.0.1", port), "JupyterLab outlived `workbench lab`"
    assert not kernel_file.exists(), "the kernel was not shut down"


def test_warm_up_leaves_the_migrated_template_and_ignores_backend_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgresql://nowhere.invalid/db")
    assert lab.warm_up_setup().wait(timeout=120) == 0
    templates = list((tmp_path / "django-async-workbench-templates").glob("*.sqlite3"))
    assert len(templates) == 1 and templates[0].stat().st_size > 0

