"""The reference cannot drift from the code: the pages of docs/, README.md and benchmarks/README.md.

Every ``.venv/bin/workbench`` command in a ```bash block parses with the real
parser; every ``workbench.X`` / ``sample_project.X`` name mentioned exists;
every file path mentioned exists in the checkout; the module map names every
module of the package and nothing else; the API page documents every name of
``workbench.__all__``; the lesson table has a row per lesson. The site itself
is built, with -W, by tests/tooling/test_docs.py.
"""

import functools
import importlib
import inspect
import os
import re
import shlex
from pathlib import Path

import pytest

import workbench
from sample_project.chat import protocol
from sample_project.chat.groups import MAX_ROOM_LENGTH
from sample_project.chat.schemas import MAX_MESSAGE_LENGTH
from workbench.paths import DOCS, PROJECT_ROOT, lesson_paths
from workbench.tooling import cli
from workbench.tooling.docs import pages

README = PROJECT_ROOT / "README.md"
BENCHMARKS_README = PROJECT_ROOT / "benchmarks" / "README.md"
PAGES = [README, BENCHMARKS_README, *pages()]
REFERENCE = DOCS / "reference"

# What the workbench writes, so a page may name it before it exists.
GENERATED = ("build/", "docs/_build/", "test-artifacts/")
# Documents the pages name that live outside the repository: the guide the course teaches from.
ELSEWHERE = {"django-5.2-async-guide.md"}
# Placeholders a page may use in a path: notebooks/NN-topic.ipynb is every lesson.
PLACEHOLDERS = {"NN": "[0-9][0-9]", "topic": "*"}
EXTENSIONS = ("py", "md", "toml", "yml", "yaml", "json", "ipynb", "ts", "js", "mjs", "cfg", "html", "txt")
PATH = re.compile(r"\.?[\w-][\w.-]*(?:/[\w.-]+)*/?")
FILE_NAME = re.compile(rf"[\w.-]*[\w-]\.(?:{'|'.join(EXTENSIONS)})")
DOTTED_NAME = re.compile(r"(?<![\w./-])((?:workbench|sample_project)(?:\.\w+)+)")


def shown(page: Path) -> str:
    return str(page.relative_to(PROJECT_ROOT))


def prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)


def inline_code(text: str) -> list[str]:
    return re.findall(r"(?<!`)`([^`\n]+)`(?!`)", prose(text))


def bash_lines(text: str) -> list[str]:
    """The command lines of the ```bash blocks: continuations joined, comments cut."""
    lines = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def workbench_commands(page: Path) -> list[str]:
    return [
        part.strip()
        for line in bash_lines(page.read_text())
        for part in line.split("&&")
        if part.strip().startswith(".venv/bin/workbench")
    ]


def test_the_pages_show_workbench_commands():
    assert workbench_commands(README)
    assert workbench_commands(DOCS / "reference" / "commands.md")


@pytest.mark.parametrize("page", PAGES, ids=shown)
def test_every_workbench_command_parses_with_the_real_parser(page):
    for command in workbench_commands(page):
        parser = cli.build_parser()
        try:
            args, extra = parser.parse_known_args(shlex.split(command)[1:])
        except SystemExit:
            pytest.fail(f"{shown(page)}: `{command}` does not parse (workbench {command.split()[1:2]} --help)")
        assert not extra or getattr(args, "passes_extra", False), f"{shown(page)}: `{command}`: unknown {extra}"
        for name in getattr(args, "notebooks", []) + getattr(args, "exercises", []):
            assert (PROJECT_ROOT / name).is_file(), f"{shown(page)}: `{command}` names a missing notebook {name}"


def resolves(dotted: str) -> bool:
    """Is ``dotted`` a module, or a name reached from one by attributes?"""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=shown)
def test_every_name_mentioned_exists(page):
    names = set(DOTTED_NAME.findall(page.read_text()))
    missing = sorted(name for name in names if not resolves(name))
    assert not missing, f"{shown(page)} mentions names the code does not have: {missing}"


def path_mentions(text: str) -> set[str]:
    """Inline code that is a relative path, and the targets of relative links."""
    spans = {
        span for span in inline_code(text)
        if PATH.fullmatch(span) and ("/" in span or FILE_NAME.fullmatch(span))
    }
    links = {
        target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", prose(text))
        if not re.match(r"[a-z][a-z0-9+.-]*:|#", target)
    }
    return spans | {link for link in links if link}


@functools.cache
def file_names() -> frozenset[str]:
    """The name of every file of the checkout (environments, builds and npm packages left out)."""
    names = set()
    for _folder, subfolders, files in os.walk(PROJECT_ROOT):
        subfolders[:] = [d for d in subfolders if not d.startswith(".venv") and d not in {".git", "node_modules", "_build"}]
        names.update(files)
    return frozenset(names)


def exists(mention: str, page: Path) -> bool:
    if mention.startswith(GENERATED) or mention in ELSEWHERE:
        return True
    if "/" not in mention:  # a bare name such as `asgi.py`: some file of the checkout has it
        return mention in file_names()
    pattern = mention.rstrip("/")
    for placeholder, glob in PLACEHOLDERS.items():
        pattern = re.sub(rf"\b{placeholder}\b", glob, pattern)
    return any(any(folder.glob(pattern)) for folder in (PROJECT_ROOT, page.parent))


@pytest.mark.parametrize("page", PAGES, ids=shown)
def test_every_file_path_mentioned_exists(page):
    missing = sorted(m for m in path_mentions(page.read_text()) if not exists(m, page))
    assert not missing, (
        f"{shown(page)} names paths the checkout does not have (relative to the checkout or the page): {missing}"
    )


def package_modules() -> set[str]:
    found = set()
    for path in (PROJECT_ROOT / "workbench").rglob("*.py"):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def module_map() -> list[str]:
    page = (REFERENCE / "architecture.md").read_text()
    section = page.split("\n## The module map\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([\w.]+)` \|", section, re.M)


def test_the_module_map_names_every_module_once_and_only_modules():
    mapped = module_map()
    assert len(mapped) == len(set(mapped)), "a module is in the map twice"
    assert not set(mapped) - package_modules(), f"the map names modules that do not exist: {set(mapped) - package_modules()}"
    assert not package_modules() - set(mapped), (
        f"docs/reference/architecture.md's module map misses: {sorted(package_modules() - set(mapped))}"
    )


def documented_names() -> list[str]:
    page = (REFERENCE / "api.md").read_text()
    return re.findall(r"^\.\. auto(?:function|class|exception|data):: workbench\.(\w+)", page, re.M)


def test_the_api_page_documents_every_public_name_once():
    documented = documented_names()
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(workbench.__all__)


def public_members(obj: object) -> list[tuple[str, object]]:
    return [
        (name, member) for name, member in vars(obj).items()
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
    ]


@pytest.mark.parametrize("name", workbench.__all__)
def test_every_public_name_and_method_has_a_docstring(name):
    # autodoc shows only what has a docstring: a method without one would be missing from the page.
    obj = getattr(workbench, name)
    assert inspect.getdoc(obj), f"workbench.{name} has no docstring"
    if inspect.isclass(obj):
        undocumented = [member for member, value in public_members(obj) if not inspect.getdoc(value)]
        assert not undocumented, f"workbench.{name} has public members without a docstring: {undocumented}"


def test_the_commands_page_shows_every_command():
    subcommands = next(a for a in cli.build_parser()._actions if a.dest == "command")
    names = {action.dest for action in subcommands._choices_actions}
    page = REFERENCE / "commands.md"
    shown_in_examples = {command.split()[1] for command in workbench_commands(page)}
    in_table = set(re.findall(r"^\| `workbench (\w+)", page.read_text(), re.M))
    assert names == shown_in_examples == in_table


def test_the_wire_protocol_page_lists_every_error_code_and_limit():
    page = (REFERENCE / "wire-protocol.md").read_text()
    codes = {
        value for name, value in vars(protocol).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z]+(?:_[a-z]+)+", value)
    }
    table = page.split("\n## Error frames\n", 1)[1].split("\n## ", 1)[0].split("|---|---|", 1)[1]
    listed = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    assert codes == listed
    assert f"close code **{protocol.CLOSE_INVALID_ROOM}**" in page
    assert f"close code **{protocol.CLOSE_NOT_AUTHENTICATED}**" in page
    assert f"1–{MAX_ROOM_LENGTH} ASCII" in page
    assert f"1 to {MAX_MESSAGE_LENGTH} characters" in page
    assert f"{protocol.MAX_FRAME_BYTES:,} bytes" in page


def test_the_readme_has_a_row_per_lesson_in_order():
    table = README.read_text().split("<!-- lesson table -->", 1)[1].split("<!-- /lesson table -->", 1)[0]
    rows = re.findall(r"^\| `(\d\d-[\w-]+)` \|", table, re.M)
    assert rows == [path.stem for path in lesson_paths()]


def test_the_readme_stays_a_five_minute_read():
    size = len(README.read_bytes())
    assert size <= 10_000, f"README.md is {size} bytes: move reference text to a page of docs/ (it was 56 KB once)"


def test_performance_figures_live_in_benchmarks_readme_only():
    # One place for the figures: the README links to them, the site includes them.
    assert "| what | figures |" not in README.read_text()
    assert "benchmarks/README.md" in README.read_text()
    assert "{include} /_repository/benchmarks/README.md" in (REFERENCE / "performance.md").read_text()


def test_the_course_page_has_a_row_per_lesson_with_its_own_time_and_prerequisites():
    import nbformat

    page = (DOCS / "course.md").read_text()
    rows = re.findall(r"^\| `(\d\d-[\w-]+)` \| (\d+) \+ (\d+) \| ([^|]+) \|", page, re.M)
    assert [stem for stem, *_ in rows] == [path.stem for path in lesson_paths()]
    for (stem, minutes, exercise_minutes, prerequisites), path in zip(rows, lesson_paths(), strict=True):
        opening = nbformat.read(path, as_version=4).cells[0].source
        assert f"**Time:** about {minutes} minutes (exercise: about {exercise_minutes} more)" in opening, stem
        first = re.search(r"^\*\*Prerequisites:\*\* (.*)$", opening, re.M).group(1)
        assert re.findall(r"\d\d", first)[:1] == re.findall(r"\d\d", prerequisites)[:1], stem


def test_the_instructors_guide_lists_every_exercise_in_order():
    from workbench.paths import exercise_paths

    page = (DOCS / "guides" / "instructors.md").read_text()
    table = page.split("| exercise | tasks |", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"^\| `([\w-]+)` \|", table, re.M) == [path.stem for path in exercise_paths()]
