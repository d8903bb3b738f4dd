"""Headless Chromium for browser tests: Debian's ``chromium``, driven by Playwright.

Playwright's own browser downloads are not used (``playwright install`` is
never run): the tests launch the system Chromium by path, installing the
Debian package with apt-get when it is missing and we are root (as in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
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
    can_install = install and os.geteuid() == 0 and shutil.which("apt-get")
    if not can_install:
        raise BrowserUnavailable(
            f"{CHROMIUM} is missing. Install Debian's package (`sudo apt-get install chromium`) "
            "or run the tests as root on Debian, where they install it."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BrowserUnavailable(f"`{' '.join(command)}` failed: {result.stderr.strip()[-800:]}")
    if not Path(CHROMIUM).exists():
        raise BrowserUnavailable(f"apt-get installed chromium, but {CHROMIUM} is still missing.")
    return CHROMIUM


@contextmanager
def chromium(*, install: bool = True) -> Iterator[object]:
    """A launched headless Chromium (a Playwright ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path(install=install)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: object, name: str) -> Path:
    """Save a PNG of ``page`` as a test artifact and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
