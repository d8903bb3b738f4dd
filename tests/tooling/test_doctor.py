"""``workbench doctor``: measured findings, each problem with a next step."""

import subprocess
import sys

from workbench.services import free_port
from workbench.tooling import doctor


def test_versions_are_those_installed():
    from importlib import metadata

    findings = {finding.label: finding for finding in doctor.versions()}
    assert findings["Django"].detail.startswith(metadata.version("Django")) and findings["Django"].ok
    assert findings["Channels"].detail == metadata.version("channels")
    assert findings["ipykernel"].ok
    assert findings["Python"].detail == ".".join(map(str, sys.version_info[:3]))


def test_a_real_kernel_reports_that_a_cell_is_an_async_context():
    finding = doctor.cell_context()
    assert finding.ok, finding
    assert "is an async context" in finding.detail and "SynchronousOnlyOperation" in finding.detail


def test_a_kernel_that_cannot_start_is_a_problem_with_a_next_step():
    finding = doctor.cell_context(kernel_name="no-such-kernel", timeout=10)
    assert not finding.ok
    assert "cannot start the 'no-such-kernel' kernel" in finding.detail
    assert "pip install -e '.[lab]'" in finding.next_step


def test_the_defaults_need_no_server():
    assert doctor.database({}).ok and "temporary SQLite file" in doctor.database({}).detail
    assert doctor.channel_layer({}).ok and "in-memory" in doctor.channel_layer({}).detail


def test_an_unreachable_server_names_the_address_and_what_to_do():
    port = free_port()
    finding = doctor.database({"WORKBENCH_DATABASE_URL": f"postgresql://u:secret@127.0.0.1:{port}/db"})
    assert not finding.ok
    assert finding.detail == f"Cannot reach the postgresql server at 127.0.0.1:{port} (nothing accepts connections there)."
    assert "WORKBENCH_DATABASE_URL" in finding.next_step and "unset it" in finding.next_step
    layer = doctor.channel_layer({"WORKBENCH_CHANNEL_LAYER_URL": f"redis://127.0.0.1:{port}/0"})
    assert not layer.ok and f"redis server at 127.0.0.1:{port}" in layer.detail


def test_a_malformed_url_shows_the_accepted_forms():
    finding = doctor.channel_layer({"WORKBENCH_CHANNEL_LAYER_URL": "rabbit://x"})
    assert not finding.ok
    assert "redis://host:port/db" in finding.detail
    assert finding.next_step == "fix WORKBENCH_CHANNEL_LAYER_URL, or unset it to use the in-memory layer"


def test_a_sqlite_file_in_a_missing_folder_is_a_problem(tmp_path):
    finding = doctor.database({"WORKBENCH_DATABASE_URL": f"sqlite:///{tmp_path}/nowhere/db.sqlite3"})
    assert not finding.ok and "does not exist" in finding.detail
    assert doctor.database({"WORKBENCH_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}).ok


def test_running_servers_are_reachable(postgres_url, redis_url):
    database = doctor.database({"WORKBENCH_DATABASE_URL": postgres_url})
    layer = doctor.channel_layer({"WORKBENCH_CHANNEL_LAYER_URL": redis_url})
    assert database.ok and "accepts connections" in database.detail, database
    assert layer.ok and "accepts connections" in layer.detail, layer


def test_the_command_prints_every_finding_and_exits_1_on_a_problem():
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "WORKBENCH_DATABASE_URL": f"postgresql://u:secret@127.0.0.1:{port}/db"}
    result = subprocess.run([sys.executable, "-m", "workbench", "doctor"], capture_output=True, text=True, env=env)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "workbench doctor"
    labels = ["Python", "Django", "Channels", "ipykernel", "a cell", "pytest", "matplotlib", "PostgreSQL", "Redis",
              "database", "channel layer"]
    assert [line[4:].split("  ")[0].strip() for line in lines if line.startswith(("  ✔", "  ✘"))] == labels
    assert "next: start the server at 127.0.0.1" in result.stdout
    assert "secret" not in result.stdout
    assert lines[-2] == "1 problem(s): the lessons would fail here."
    assert lines[-1] == "Follow the next steps above, then run `workbench doctor` again."


def test_each_requirement_names_the_lessons_that_need_it():
    needs = doctor.lesson_needs()
    assert "09-orm-in-async-code" in needs["pytest"] and "12-testing-patterns" in needs["pytest"]
    assert needs["PostgreSQL"] == ["14-databases-and-deployment"]
    assert needs["Redis"] == ["13-asgi-and-channel-layers"]
    assert "00-getting-started" not in {lesson for lessons in needs.values() for lesson in lessons}


def test_a_missing_package_breaks_exactly_the_lessons_that_import_it():
    _, report = doctor.ask_kernel()
    assert report is not None
    assert all(report["packages"].values()) and all("version" in s for s in report["servers"].values())
    report["packages"]["pytest_django"] = None  # as in an environment without the lab extra's pytest
    findings = {f.label: f for f in doctor.lesson_requirements(report, doctor.lesson_needs())}
    pytest_finding = findings["pytest"]
    assert not pytest_finding.ok and "pytest_django not installed" in pytest_finding.detail
    assert pytest_finding.lessons == ("09-orm-in-async-code", "12-testing-patterns")
    assert "pip install -e '.[lab]'" in pytest_finding.next_step
    assert findings["PostgreSQL"].ok and findings["PostgreSQL"].detail.startswith("PostgreSQL 18.")
    verdict = doctor.render([pytest_finding]).splitlines()
    assert verdict[-2] == "1 problem(s): lessons 09-orm-in-async-code, 12-testing-patterns would fail here."
    assert verdict[-1] == f"One command fixes it: `{doctor.SETUP}`; then run `workbench doctor` again."


def test_a_newer_django_is_supported_and_an_older_one_is_not():
    assert doctor._django("6.1.3").ok and "supported" in doctor._django("6.1.3").detail
    assert not doctor._django("5.1.4").ok and "pip install -e '.[lab]'" in doctor._django("5.1.4").next_step
    assert not doctor._django("7.0").ok
