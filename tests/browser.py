"""Headless Chromium for browser tests: Debian's ``chromium``, driven by Playwright.

Playwright's own browser downloads are never used (no ``playwright install``):
the tests launch the system Chromium by path, installing the Debian package
with apt-get when it is missing and we are root (as in CI). Elsewhere a
missing browser skips the test with a reason that says how to get one;
under CI it fails the test.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
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


class BrowserUnavailable(RuntimeError):
    """Chromium is not installed and cannot be installed here; the message says how to get it."""


def chromium_path(*, install: bool = True) -> str:
    """The system Chromium, installed with apt-get first if missing and allowed."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if not (install and os.geteuid() == 0 and shutil.which("apt-get")):
        raise BrowserUnavailable(
            f"{CHROMIUM} is missing. Install Debian's package (`sudo apt-get install chromium`) "
            "or run the tests as root on Debian, where they install it."
        )
    # One installer at a time: parallel test workers may all get here.
    with open(Path(tempfile.gettempdir()) / "workbench-chromium-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not Path(CHROMIUM).exists():
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            for command in (
                ["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
            ):
                result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
                if result.returncode != 0:
                    raise BrowserUnavailable(f"`{' '.join(command)}` failed: {result.stderr.strip()[-800:]}")
    if not Path(CHROMIUM).exists():
        raise BrowserUnavailable(f"apt-get installed chromium, but {CHROMIUM} is still missing.")
    return CHROMIUM


def require_chromium() -> str:
    """``chromium_path()`` for a test: skip outside CI when unavailable, fail under CI."""
    from tests.conftest import in_ci

    try:
        return chromium_path(install=True)
    except BrowserUnavailable as exc:
        if in_ci():
            pytest.fail(f"Chromium is required under CI: {exc}")
        pytest.skip(f"{exc} Then run the tests again.")


@contextmanager
def launched_chromium() -> Iterator[object]:
    """A launched headless Chromium (Playwright's sync ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
async def chromium():
    """A headless Chromium (Playwright's async ``Browser``), closed after the test.

    Async on the test's own loop: Playwright's sync API runs a loop on the
    test's thread, where Django would then refuse the test database set-up.
    """
    executable = require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        await browser.close()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


async def screenshot(page, name: str) -> Path:
    """Save a full-page PNG of an async Playwright ``page`` under ``test-artifacts/``."""
    path = _artifact(name)
    await page.screenshot(path=str(path), full_page=True)
    return path


def screenshot_sync(page, name: str) -> Path:
    """Save a PNG of a sync Playwright ``page`` under ``test-artifacts/``."""
    path = _artifact(name)
    page.screenshot(path=str(path))
    return path
