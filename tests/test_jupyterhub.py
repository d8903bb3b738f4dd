"""deploy/jupyterhub: three learners sign in through the Hub's REST API and run lesson 00 in their own kernels.

The Hub, its configurable-http-proxy (npm, pinned in deploy/jupyterhub) and
every learner's Jupyter server run on 127.0.0.1 with ports of their own. Each
learner's kernel runs lesson 00's first code cells (their outputs must be the
stored ones) and one ``workbench.check``, whose verdict reaches the room's
``workbench serve`` with the token the Hub gave that learner.

Needs Node.js 20+ and npm: outside CI the test skips without them; under CI
it installs them (apt-get) and the proxy (``npm ci``) itself.
"""

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid

import httpx
import nbformat
import pytest

from tests.conftest import in_ci
from workbench.environment import (
    HUB_ALLOW_ROOT_ENV,
    HUB_API_PORT_ENV,
    HUB_BIND_URL_ENV,
    HUB_PASSWORD_ENV,
    HUB_PROXY_API_PORT_ENV,
    HUB_STATE_ENV,
    HUB_USERS_ENV,
    PROGRESS_URL_ENV,
)
from workbench.paths import NOTEBOOKS, PROJECT_ROOT
from workbench.services import free_port
from workbench.tooling.workshop_process import WorkshopProcess

HUB = PROJECT_ROOT / "deploy" / "jupyterhub"
LEARNERS = ("ada", "grace", "linus")
PASSWORD = "room-password-for-the-test"
FIRST_CELLS = 4  # lesson 00's first code cells: setup(), is_async_context(), %context, the refused ORM call
CHECK = 'workbench.check("one and one make two", 1 + 1, expected=2, hint="add them")'


def install_proxy() -> None:
    """configurable-http-proxy from deploy/jupyterhub/package-lock.json (and Node.js itself under CI)."""
    pytest.importorskip("jupyterhub", reason="JupyterHub is in the hub extra: pip install -e '.[hub]'")
    if not (shutil.which("node") and shutil.which("npm")):
        if not in_ci():
            pytest.skip("needs Node.js 20+ and npm for configurable-http-proxy "
                        "(Debian: apt-get install nodejs npm); CI installs them")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nodejs", "npm"], check=True)
    lock = (HUB / "package-lock.json").read_bytes()
    stamp = HUB / "node_modules" / ".installed-from-lock"
    if not stamp.exists() or stamp.read_bytes() != lock:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HUB, check=True, timeout=600)
        stamp.write_bytes(lock)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """The Hub, and the room's ``workbench serve`` (SQLite, one worker) for live progress, started side by side."""
    install_proxy()
    key = f"hub-test-{uuid.uuid4().hex}"
    monkeypatch.setenv("DJANGO_SECRET_KEY", key)  # for the progress server and the Hub's tokens alike
    room = WorkshopProcess(workers=1, database=f"sqlite:///{tmp_path / 'room.sqlite3'}", log=tmp_path / "serve.log")
    port = free_port()
    env = {
        **os.environ, HUB_BIND_URL_ENV: f"http://127.0.0.1:{port}", HUB_API_PORT_ENV: str(free_port()),
        HUB_PROXY_API_PORT_ENV: str(free_port()), HUB_STATE_ENV: str(tmp_path / "hub"), HUB_PASSWORD_ENV: PASSWORD,
        HUB_USERS_ENV: ",".join(LEARNERS), PROGRESS_URL_ENV: room.url,
        HUB_ALLOW_ROOT_ENV: "1" if os.geteuid() == 0 else "",  # CI runs as root, on a throw-away machine
    }
    log = tmp_path / "jupyterhub.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(HUB / "jupyterhub_config.py")],
            env=env, stdout=output, stderr=subprocess.STDOUT, cwd=tmp_path,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        with room:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, f"jupyterhub exited:\n{log.read_text()[-3000:]}"
                try:
                    if httpx.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"the Hub did not answer in 90 s:\n{log.read_text()[-3000:]}"
                time.sleep(0.2)
            yield url, tmp_path / "hub", room
    finally:
        process.terminate()  # the Hub stops the learners' servers and the proxy (cleanup_servers)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_the_z2jh_token_snippet_signs_as_the_progress_server_does(monkeypatch):
    from types import SimpleNamespace

    import yaml
    from traitlets.config import Config

    from sample_project.progress.tokens import learner_from_token, learner_token

    snippet = yaml.safe_load((HUB / "config.yaml").read_text())["hub"]["extraConfig"]["workbench-progress-token"]
    config = Config()
    key = "the-rooms-secret-key-0123456789"
    monkeypatch.setenv("DJANGO_SECRET_KEY", key)
    exec(snippet, {"c": config})  # noqa: S102 - our own config.yaml, as z2jh's hub runs it
    make = config.KubeSpawner.environment.to_dict()["update"]["WORKBENCH_PROGRESS_TOKEN"]
    for name in ("ada", "grace.hopper", "linus-t"):
        token = make(SimpleNamespace(user=SimpleNamespace(name=name)))  # the spawner's user, as KubeSpawner passes it
        assert token == learner_token(name, key=key)
        assert learner_from_token(token, key=key) == name


def test_the_handout_is_the_lessons_and_the_student_versions_and_keeps_a_learners_work(tmp_path):
    sys.path.insert(0, str(HUB))
    try:
        from handout import hand_out
    finally:
        sys.path.remove(str(HUB))
    course = tmp_path / "ada" / "workbench"
    assert hand_out(course)
    lessons = sorted(p.name for p in course.glob("*.ipynb"))
    assert lessons == sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    exercises = sorted(p.name for p in (course / "exercises").glob("*.ipynb"))
    assert exercises == sorted(p.name for p in (NOTEBOOKS / "exercises").glob("*.ipynb"))
    for exercise in (course / "exercises").glob("*.ipynb"):
        text = exercise.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN" not in text, exercise.name
    assert (course / "scripts" / "layer_sender.py").exists() and not (course / "conftest.py").exists()

    (course / "00-getting-started.ipynb").write_text("the learner's own work")
    assert not hand_out(course)
    assert (course / "00-getting-started.ipynb").read_text() == "the learner's own work"


async def sign_in_and_start(client: httpx.AsyncClient, name: str) -> str:
    """Log ``name`` in through the REST API (a token for the room's password), start their server; the token."""
    response = await client.post(f"/hub/api/users/{name}/tokens",
                                 json={"auth": {"username": name, "password": PASSWORD}, "note": "test"})
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    headers = {"Authorization": f"token {token}"}
    assert (await client.post(f"/hub/api/users/{name}/server", headers=headers)).status_code in (201, 202)
    deadline = time.monotonic() + 180
    while not (await client.get(f"/hub/api/users/{name}", headers=headers)).json()["servers"].get("", {}).get("ready"):
        assert time.monotonic() < deadline, f"{name}'s server did not become ready in 180 s"
        await asyncio.sleep(0.3)
    return token


async def run_cells(url: str, name: str, token: str, sources: list[str]) -> list[str]:
    """Run ``sources`` one after another in a new kernel of ``name``'s server; each cell's text output."""
    import websockets

    headers = {"Authorization": f"token {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        # A session, as JupyterLab opens one: the kernel learns its notebook's name (JPY_SESSION_NAME).
        response = await client.post(f"/user/{name}/api/sessions", json={
            "path": "workbench/00-getting-started.ipynb", "type": "notebook", "kernel": {"name": "python3"}})
        assert response.status_code == 201, response.text
        kernel = response.json()["kernel"]["id"]
    channels = url.replace("http://", "ws://", 1) + f"/user/{name}/api/kernels/{kernel}/channels"
    outputs = []
    # jupyter_server answers the handshake only once the new kernel is up (its kernel_info nudge): with three
    # kernels starting at once on a loaded 2-core machine that takes longer than websockets' default 10 s.
    async with websockets.connect(channels, additional_headers=headers, max_size=2**24, open_timeout=180) as socket:
        for number, source in enumerate(sources):
            msg_id = f"{name}-{number}-{uuid.uuid4().hex[:6]}"
            await socket.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": name, "session": msg_id,
                           "version": "5.3", "date": ""},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": source, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True},
            }))
            text = []
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 120))
                if message.get("parent_header", {}).get("msg_id") != msg_id or message["channel"] != "iopub":
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    text.append(content["text"])
                elif kind in ("execute_result", "display_data"):
                    text.append(content["data"].get("text/plain", ""))
                elif kind == "error":
                    text.append(f"{content['ename']}: {content['evalue']}")
                elif kind == "status" and content["execution_state"] == "idle":
                    break
            outputs.append("".join(text))
    return outputs


def stored_text(cell) -> str:
    return "".join(o.get("text") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


async def test_three_learners_run_lesson_00_through_jupyterhub(hub):
    url, state, server = hub
    lesson = nbformat.read(NOTEBOOKS / "00-getting-started.ipynb", as_version=4)
    cells = [cell for cell in lesson.cells if cell.cell_type == "code"][:FIRST_CELLS]

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        refused = await client.post("/hub/api/users/ada/tokens", json={"auth": {"username": "ada", "password": "wrong-password"}})
        assert refused.status_code == 403
        tokens = await asyncio.gather(*(sign_in_and_start(client, name) for name in LEARNERS))

    runs = await asyncio.gather(*(
        run_cells(url, name, token, [cell.source for cell in cells] + [CHECK])
        for name, token in zip(LEARNERS, tokens, strict=True)
    ))
    for name, outputs in zip(LEARNERS, runs, strict=True):
        assert outputs[:FIRST_CELLS] == [stored_text(cell) for cell in cells], f"{name}: {outputs}"
        assert outputs[-1] == "✔ Correct: one and one make two\n"
        home = state / "homes" / name / "workbench"
        assert (home / "00-getting-started.ipynb").exists() and (home / "exercises" / "00-getting-started.ipynb").exists()
        handed_out = (home / "exercises" / "00-getting-started.ipynb").read_text()
        assert "BEGIN SOLUTION" not in handed_out and "BEGIN HIDDEN" not in handed_out  # student versions only

    # Each learner's check reached the room's grid, under their own name, for the notebook they ran.
    database = server.database.removeprefix("sqlite:///")
    deadline = time.monotonic() + 30
    while True:
        with sqlite3.connect(database) as connection:
            rows = sorted(connection.execute("SELECT learner, exercise, check_name, passed FROM progress_checkreport"))
        if len(rows) == len(LEARNERS) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert rows == [(name, "00-getting-started", "one and one make two", 1) for name in LEARNERS]
