"""The learner's path, for real: ``workbench lab``, headless Chromium, Run All Cells.

JupyterLab serves a copy of lesson 00 with its outputs cleared, so every
output the page shows comes from this run. The test clicks Run → Run All
Cells like a learner, waits for the kernel to finish every cell, and looks
for the lesson's stored outputs in the page. A screenshot is saved in
test-artifacts/ whether it passes or not.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from tests.browser import launched_chromium, screenshot_sync
from workbench.paths import PROJECT_ROOT, lesson_paths
from workbench.services import free_port

LESSON = lesson_paths()[0]  # 00-getting-started
TOKEN = "workbench-browser-test"
# JupyterLab's first load in headless Chromium on a busy 2-core machine can
# take minutes: every wait is on real page state, with generous limits.
LOAD_TIMEOUT_MS = 240_000
RUN_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def lab(tmp_path):
    """``workbench lab`` on a folder holding lesson 00 with its outputs cleared; yields its URL."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    lesson = nbformat.read(LESSON, as_version=4)
    for cell in lesson.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(lesson, notebooks / LESSON.name)

    port = free_port()
    env = {
        **os.environ,
        # A fresh Jupyter configuration: no settings, workspaces or kernels of the machine's user.
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "workbench", "lab", str(notebooks), "--no-browser",
            f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
            "--ServerApp.port_retries=0",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/api/status?token={TOKEN}", server, tmp_path / "lab.log")
        yield base
    finally:
        server.terminate()  # jupyter_server shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_until_serving(url, server, log, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"workbench lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer at {url} within {timeout} s:\n{log.read_text()[-3000:]}")


def wait_for_connected_idle_kernel(base, timeout=LOAD_TIMEOUT_MS / 1000):
    """Wait until the server has a kernel that the page is connected to, and it is idle.

    The page's own indicators say "Idle" before its kernel connection is
    ready, and a Run All clicked then runs nothing; the server knows.
    """
    deadline = time.monotonic() + timeout
    kernels: object = []
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/api/kernels?token={TOKEN}", timeout=10) as response:
                kernels = json.load(response)
        except urllib.error.HTTPError as error:
            # jupyter_server 2.x answers 500 while a kernel it lists is still starting (its
            # last_activity is not set yet: "expected a datetime, not the NoneType None"); the
            # page's own requests meet the same and retry, so does this wait.
            if error.code < 500:
                raise
            kernels = f"HTTP {error.code} from /api/kernels"
        else:
            if any(k["execution_state"] == "idle" and k["connections"] > 0 for k in kernels):
                return
        time.sleep(0.5)
    pytest.fail(f"no connected idle kernel after {timeout:.0f} s: {kernels}")


def expected_outputs():
    """The first line of every output the stored lesson shows."""
    lines = []
    for cell in nbformat.read(LESSON, as_version=4).cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            if text.strip():
                lines.append(text.strip().splitlines()[0])
    return lines


ALL_CELLS_RUN = """
() => {
  const prompts = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt'));
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return prompts.length > 0
    && prompts.every(p => /\\[\\d+\\]/.test(p.textContent))
    && status !== null && status.getAttribute('data-status') === 'idle';
}
"""


def test_a_learner_runs_lesson_00_in_jupyterlab(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{lab}/lab/tree/{LESSON.name}?token={TOKEN}", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=LOAD_TIMEOUT_MS)
        wait_for_connected_idle_kernel(lab)

        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        page.wait_for_function(ALL_CELLS_RUN, timeout=RUN_TIMEOUT_MS, polling=500)
        news = page.get_by_role("button", name="No", exact=True)
        if news.count():  # JupyterLab's "official Jupyter news?" toast: decline, as a learner might
            news.first.click()
            page.get_by_text("official Jupyter news").wait_for(state="hidden", timeout=30_000)

        # textContent, not innerText: cells scrolled out of view are not laid out
        # (content-visibility), and innerText of an unlaid-out element is empty.
        shown = "\n".join(
            page.eval_on_selector_all(".jp-NotebookPanel .jp-OutputArea-output", "all => all.map(e => e.textContent)")
        )
        missing = [line for line in expected_outputs() if line not in shown]
        assert missing == [], f"outputs of the stored lesson not found in the page: {missing}"
        errors = page.locator('.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        assert errors.count() == 0, errors.evaluate_all("all => all.map(e => e.textContent)")
        assert "<Workbench database=sqlite (temporary file) channel_layer=in-memory>" in shown
        assert "SynchronousOnlyOperation: You cannot call this from an async context" in shown
    finally:
        screenshot_sync(page, "00-getting-started-in-jupyterlab")
        page.close()
