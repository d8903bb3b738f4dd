"""pyproject.toml and environment.yml describe the same environment."""

import tomllib

from packaging.requirements import Requirement

from workbench.paths import PROJECT_ROOT


def _pyproject_requirements():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    names = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        names.extend(extra)
    # An extra that includes other extras names this package itself: not a pin.
    return {str(Requirement(r)) for r in names if Requirement(r).name != project["name"]}


def _environment_requirements():
    lines = (PROJECT_ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    entries = [line.strip()[2:] for line in lines[start + 1 :] if line.strip().startswith("- ")]
    return {str(Requirement(e)) for e in entries if not e.startswith("-")}


def test_environment_yml_pins_what_pyproject_pins():
    assert _environment_requirements() == _pyproject_requirements()


def test_django_is_the_52_lts():
    assert "django<5.3,>=5.2" in {r.lower() for r in _pyproject_requirements()}


def test_the_dev_container_runs_the_readmes_set_up():
    import json
    import re

    readme = (PROJECT_ROOT / "README.md").read_text()
    quick_start = re.search(
        r"(python3 -m venv \.venv && \.venv/bin/python -m pip install -e '\.\[lab\]') && \.venv/bin/workbench lab", readme
    )
    assert quick_start, "the README's quick start command changed: update .devcontainer/devcontainer.json too"
    container = json.loads((PROJECT_ROOT / ".devcontainer" / "devcontainer.json").read_text())
    assert container["postCreateCommand"] == quick_start.group(1)
    assert 8888 in container["forwardPorts"]


def test_binder_builds_with_the_whole_repository():
    # repo2docker installs environment.yml before copying the repository unless
    # its pip section names a local path; the editable install of "." does.
    lines = [line.strip() for line in (PROJECT_ROOT / "environment.yml").read_text().splitlines()]
    assert "- --editable ." in lines and "- python>=3.11" in lines
    assert not (PROJECT_ROOT / "binder").exists() and not (PROJECT_ROOT / ".binder").exists(), (
        "a binder/ folder makes Binder ignore the root environment.yml"
    )


def test_the_wheel_ships_py_typed_so_type_checkers_read_the_hints(tmp_path):
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(PROJECT_ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    assert "workbench/py.typed" in zipfile.ZipFile(wheel).namelist()
