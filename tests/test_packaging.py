"""pyproject.toml and environment.yml describe the same environment."""

import tomllib

from packaging.requirements import Requirement

from workbench.cli import PROJECT_ROOT


def _pyproject_requirements():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    names = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        names.extend(extra)
    return {str(Requirement(r)) for r in names}


def _environment_requirements():
    lines = (PROJECT_ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    entries = [line.strip()[2:] for line in lines[start + 1 :] if line.strip().startswith("- ")]
    return {str(Requirement(e)) for e in entries if not e.startswith("-")}


def test_environment_yml_pins_what_pyproject_pins():
    assert _environment_requirements() == _pyproject_requirements()


def test_django_is_the_52_lts():
    assert "django<5.3,>=5.2" in {r.lower() for r in _pyproject_requirements()}
