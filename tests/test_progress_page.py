"""The live grid in headless Chromium, on ``workbench serve`` with 2 workers, PostgreSQL and Redis, fed by simulated learners.

Each simulated learner is a Python process of its own that runs
``workbench.check`` with the workshop's variables set, as a learner's kernel
does; one more learner checks from this process, so the test can time the
way from its check to the staff's screen.
"""

import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

import workbench
from sample_project.progress.tokens import learner_token
from tests.browser import screenshot
from workbench import progress
from workbench.environment import PROGRESS_TOKEN_ENV, PROGRESS_URL_ENV
from workbench.tooling.workshop_process import WorkshopProcess

STAFF, PASSWORD = "teacher", "a-long-staff-password-1"
ATTACK = '<img src=x onerror="window.injected = true">'

LEARNER = textwrap.dedent(
    """
    import workbench
    from workbench import progress

    workbench.check("counts her three books", 2, expected=3, hint="filter on author__name")
    workbench.check("returns a title", "Kindred", hint="order by pages")
    assert progress.reporter().flush(20), progress.reporter().status()
    """
)


@pytest.fixture
def workshop(postgres_database_url, redis_url, tmp_path):
    layer = f"{redis_url}?prefix=progress_{uuid.uuid4().hex[:8]}"
    with WorkshopProcess(workers=2, database=postgres_database_url, channel_layer=layer,
                         log=tmp_path / "serve.log") as server:
        server.create_staff_user(STAFF, PASSWORD)
        yield server


def simulated_learner(server, name, exercise):
    env = {**os.environ, PROGRESS_URL_ENV: server.url, PROGRESS_TOKEN_ENV: learner_token(name),
           "JPY_SESSION_NAME": f"{exercise}.ipynb"}
    return subprocess.Popen([sys.executable, "-c", LEARNER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def staff_page(chromium, server):
    page = await chromium.new_page()
    await page.goto(server.url + "/progress/")
    assert page.url.startswith(server.url + "/progress/login/")  # staff only: sent to sign in first
    await page.fill("#id_username", STAFF)
    await page.fill("#id_password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_function("document.getElementById('status').textContent === 'connected'")
    return page


def cell(learner, check):
    """A JavaScript expression: the grid's cell of ``learner`` and ``check`` (or undefined)."""
    matches = f"td.dataset.learner === {learner!r} && td.dataset.check === {check!r}"
    return f"[...document.querySelectorAll('td.cell')].find(td => {matches})"


async def test_the_live_grid_shows_a_simulated_learners_check_within_a_second(
    chromium, workshop, monkeypatch, postgres_database_url
):
    page = await staff_page(chromium, workshop)

    learners = [simulated_learner(workshop, name, "00-getting-started") for name in ("ada", "grace", "linus")]
    for process in learners:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
    for name in ("ada", "grace", "linus"):
        await page.wait_for_function(f"{cell(name, 'returns a title')}?.textContent === '✔'", timeout=10_000)
        assert await page.evaluate(f"{cell(name, 'counts her three books')}.textContent") == "✘"
        assert await page.evaluate(f"{cell(name, 'counts her three books')}.title") == "filter on author__name"
        hint = f"document.querySelector('tr[data-learner={name}] td.hint').textContent"
        assert await page.evaluate(hint) == "filter on author__name"  # the hint each learner saw last

    # One more learner, checking from this process: timed from the check to the staff's screen.
    monkeypatch.setenv(PROGRESS_URL_ENV, workshop.url)
    monkeypatch.setenv(PROGRESS_TOKEN_ENV, learner_token("margaret"))
    monkeypatch.setenv("JPY_SESSION_NAME", "09-orm-in-async-code.ipynb")
    try:
        started = time.monotonic()
        workbench.check(ATTACK, 1, expected=2, hint=ATTACK)
        await page.wait_for_function(f"{cell('margaret', ATTACK)}?.textContent === '✘'", timeout=10_000, polling=10)
        elapsed = time.monotonic() - started
    finally:
        progress.reporter().close()
    assert elapsed < 1.0, f"the check reached the grid after {elapsed:.2f} s"

    # Markup in a check's text stays text; the new exercise got its own column.
    assert await page.locator("#grid img").count() == 0
    assert await page.evaluate("window.injected") is None
    exercises = await page.locator("#grid thead tr:first-child th[data-exercise]").all_text_contents()
    assert exercises == ["00-getting-started", "09-orm-in-async-code"]
    await screenshot(page, "progress-grid")

    # A report the channel layer dropped (stored, never broadcast): the next one shows the gap
    # in the room's ids, and the grid asks for a new snapshot.
    import psycopg

    with psycopg.connect(postgres_database_url, autocommit=True) as database:
        database.execute(
            "INSERT INTO progress_checkreport (learner, exercise, check_name, passed, hint, received) "
            "VALUES ('grace', '09-orm-in-async-code', 'dropped on the way', false, 'h', now())"
        )
    process = simulated_learner(workshop, "linus", "09-orm-in-async-code")
    assert process.wait(120) == 0
    await page.wait_for_function(f"{cell('grace', 'dropped on the way')}?.textContent === '✘'", timeout=20_000)


async def test_a_learner_sees_only_their_own_results(chromium, workshop):
    for name in ("ada", "grace"):
        process = simulated_learner(workshop, name, "00-getting-started")
        assert process.wait(120) == 0, process.stderr.read()[-2000:]

    page = await chromium.new_page()
    await page.goto(workshop.url + "/progress/me/")
    await page.fill("#token", learner_token("ada"))
    await page.click("button[type=submit]")
    await page.wait_for_function("document.getElementById('status').textContent === 'connected'")
    await page.wait_for_function(f"{cell('ada', 'returns a title')}?.textContent === '✔'")
    assert await page.locator("#grid tbody tr").evaluate_all("rows => rows.map(r => r.dataset.learner)") == ["ada"]
    await screenshot(page, "progress-mine")

    # Another learner's new result never reaches ada's page.
    process = simulated_learner(workshop, "grace", "09-orm-in-async-code")
    assert process.wait(120) == 0
    ada = learner_token("ada")
    process = subprocess.run(
        [sys.executable, "-c", LEARNER], timeout=120, capture_output=True, text=True,
        env={
            **os.environ, PROGRESS_URL_ENV: workshop.url, PROGRESS_TOKEN_ENV: ada,
            "JPY_SESSION_NAME": "09-orm-in-async-code.ipynb",
        },
    )
    assert process.returncode == 0, process.stderr[-2000:]
    await page.wait_for_function("document.querySelectorAll('td.cell').length === 4")  # ada's two exercises
    assert await page.locator("#grid tbody tr").evaluate_all("rows => rows.map(r => r.dataset.learner)") == ["ada"]
