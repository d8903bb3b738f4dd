"""Headless Chromium for browser tests: Debian's ``chromium`` driven by Playwright.

Never ``playwright install`` (it downloads a browser build): the test set-up
installs Debian's package with ``apt-get`` when it is missing, under CI (or
when ``WORKBENCH_INSTALL_BROWSER=1``); elsewhere the browser tests skip and
say how to enable them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def ensure_chromium() -> Path:
    """Return Chromium's path, installing Debian's package first when allowed; else skip."""
    if CHROMIUM.exists():
        return CHROMIUM
    allowed = os.environ.get("CI") or os.environ.get("WORKBENCH_INSTALL_BROWSER") == "1"
    if not allowed or shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(
            "Chromium is not installed. Install Debian's package (sudo apt-get install "
            "chromium), or run the tests as root with CI=1 or WORKBENCH_INSTALL_BROWSER=1 "
            "to let the test set-up install it."
        )
    # One installer at a time: parallel test workers may all get here.
    lock_path = Path(tempfile.gettempdir()) / "workbench-chromium-install.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
                result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
                if result.returncode != 0:
                    pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return CHROMIUM


@pytest.fixture
async def chromium():
    """A headless Chromium (Playwright's async ``Browser``), closed after the test.

    Async on the test's own loop: Playwright's sync API runs a loop on the
    test's thread, where Django would then refuse the test database set-up.
    """
    executable = ensure_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS)
        yield browser
        await browser.close()


async def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under ``test-artifacts/`` (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
