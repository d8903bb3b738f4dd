"""static/types.ts: up to date with the models, the guide's four declarations, and tsc-clean.

The field-by-field comparison reads the files and needs nothing else. The rest
runs Node.js: the tests install the pinned npm packages (``npm ci``) and, under
CI, Node.js itself (``apt-get install nodejs npm``) when it is missing; outside
CI they skip without Node.js (install Node.js 18+ and npm to run them).
"""

import os
import re
import shutil
import subprocess

import pytest

from workbench.paths import FRONTEND
from workbench.tooling import typescript
from workbench.tooling.typescript import TYPES_PATH

GUIDE_TYPES = FRONTEND / "checks" / "guide-types.ts"


def declared(source: str) -> dict[str, object]:
    """``{interface: {field: optional?}}`` and ``{type alias: [string literals]}`` of a TS module."""
    source = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments
    found: dict[str, object] = {}
    for name, parameters, body in re.findall(
        r"export interface (\w+)(<[^>]*>)?\s*\{(.*?)\n\}", source, flags=re.S
    ):
        # Top-level members only: nested object types are indented further.
        members = re.findall(r"^ {2,4}(\w+)(\??):", body, flags=re.M)
        found[name + (parameters or "")] = {field: bool(mark) for field, mark in members}
    for name, union in re.findall(r"export type (\w+)\s*=([^;]*);", source):
        found[name] = re.findall(r'"([^"]*)"', union)
    return found


def test_types_ts_declares_the_guides_four_types_field_by_field():
    guide = declared(GUIDE_TYPES.read_text())
    generated = declared(TYPES_PATH.read_text())
    assert sorted(guide) == ["AsyncOperationStatus", "AsyncOrmResult<T>", "AsyncTaskConfig", "WebSocketMessage"]
    assert {name: generated.get(name) for name in guide} == guide
    # Spelled out, the points the guide makes:
    assert generated["AsyncOperationStatus"] == ["pending", "in_progress", "completed", "failed"]
    assert generated["AsyncTaskConfig"] == {
        "taskId": False, "timeout": True, "retryCount": True, "concurrentLimit": True, "status": False,
    }  # fmt: skip
    assert generated["WebSocketMessage"] == {"type": False, "data": True, "timestamp": True, "room": True}
    assert generated["AsyncOrmResult<T>"] == {
        "data": False, "count": False, "hasNext": False, "executionTime": False,
    }  # fmt: skip


def test_the_field_reader_sees_a_difference():
    changed = GUIDE_TYPES.read_text().replace("status: AsyncOperationStatus;", "status?: AsyncOperationStatus;")
    assert declared(changed)["AsyncTaskConfig"]["status"] is True


def test_static_files_serve_types_ts():
    from django.contrib.staticfiles import finders

    assert finders.find("types.ts") == str(TYPES_PATH)


def _install_node_under_ci() -> None:
    if shutil.which("node") and shutil.which("npm"):
        return
    if not os.environ.get("CI"):
        pytest.skip("needs Node.js 18+ and npm (Debian: apt-get install nodejs npm); CI installs them")
    subprocess.run(["apt-get", "update"], check=True)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "nodejs", "npm"], check=True)


@pytest.fixture(scope="module")
def node_tools():
    _install_node_under_ci()
    typescript.ensure_frontend_tools()


def test_committed_types_ts_is_what_the_models_generate(node_tools):
    assert typescript.render_types() == TYPES_PATH.read_text(), (
        "static/types.ts is out of date: run `workbench types` and commit it"
    )


def test_client_scripts_type_check_against_types_ts(node_tools):
    result = typescript.typecheck()
    assert result.returncode == 0, result.stdout + result.stderr


def test_tsc_checks_every_client_script_under_a_static_folder(node_tools):
    listed = subprocess.run(
        ["node", str(FRONTEND / "node_modules/typescript/bin/tsc"), "--listFilesOnly", "-p", str(FRONTEND)],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    project = TYPES_PATH.parent.parent  # sample_project/
    scripts = {
        path
        for pattern in ("static/**/*", "*/static/**/*")
        for path in project.glob(pattern)
        if path.suffix in {".ts", ".js"}
    }
    assert TYPES_PATH in scripts
    assert scripts | set((FRONTEND / "checks").iterdir()) <= {
        path for path in map(type(TYPES_PATH), listed) if "node_modules" not in path.parts
    }


def test_tsc_rejects_a_script_that_breaks_the_contract(node_tools, tmp_path):
    (tmp_path / "chat.js").write_text(
        f'/** @typedef {{import("{TYPES_PATH.with_suffix("")}").WebSocketMessage}} Message */\n'
        "/** @type {Message} */\n"
        'export const frame = { kind: "chat.message", data: {} };\n'
    )
    (tmp_path / "tsconfig.json").write_text(
        f'{{"extends": "{FRONTEND / "tsconfig.json"}", "include": ["chat.js"]}}'
    )
    result = typescript.typecheck(tmp_path)
    assert result.returncode != 0
    assert "chat.js" in result.stdout and "'kind' does not exist in type 'WebSocketMessage'" in result.stdout


def test_check_mode_fails_on_a_stale_file_and_says_how_to_fix_it(node_tools, tmp_path, monkeypatch, capsys):
    stale = tmp_path / "types.ts"
    stale.write_text(TYPES_PATH.read_text().replace("retryCount?: number;", "retries?: number;"))
    monkeypatch.setattr(typescript, "TYPES_PATH", stale)
    assert typescript.generate_types(check=True) == 1
    error = capsys.readouterr().err
    assert "+  retryCount?: number;" in error and "Run `workbench types`" in error
    assert "retries?" in stale.read_text()  # --check changes nothing


def test_without_node_the_command_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "")
    assert typescript.generate_types(check=True) == 2
    assert "apt-get install nodejs npm" in capsys.readouterr().err
