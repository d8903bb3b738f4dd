"""The lessons site: a page per lesson, in lesson order, and no build with a bad cell."""

import html
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbench.paths import lesson_paths
from workbench.tooling.docs import DocsBuildError, build_docs, stored_output_problems


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The real site, built once from the stored lessons by `workbench docs`."""
    output = tmp_path_factory.mktemp("docs")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "docs", "-o", str(output)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "site written; open" in result.stdout
    return output / "html"


def page_text(path):
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_the_index_lists_every_lesson_in_lesson_order(site):
    index = (site / "index.html").read_text()
    linked = re.findall(r'href="lessons/([0-9]{2}-[^"#]+)\.html"', index)
    names = [path.stem for path in lesson_paths()]
    assert list(dict.fromkeys(linked)) == names


def test_each_lesson_page_shows_its_stored_outputs(site):
    for lesson in lesson_paths():
        text = page_text(site / "lessons" / f"{lesson.stem}.html")
        notebook = nbformat.read(lesson, as_version=4)
        title = notebook.cells[0].source.splitlines()[0].lstrip("# ").strip()
        assert title.replace('`', '') in text
        figures = 0
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "image/png" in data:
                    figures += 1  # shown as the picture, not as its text form
                    continue
                shown = output.get("text") or data.get("text/plain", "")
                first_line = shown.strip().splitlines()[0] if shown.strip() else ""
                assert first_line in text, (lesson.name, first_line)
        page = (site / "lessons" / f"{lesson.stem}.html").read_text()
        assert page.count("<img") >= figures, (lesson.name, "a figure is missing")


def test_pages_link_to_the_next_lesson(site):
    first, second = lesson_paths()[:2]
    page = (site / "lessons" / f"{first.stem}.html").read_text()
    assert f'href="{second.stem}.html"' in page


def lesson_with(tmp_path, mutate):
    """A copy of lesson 00 (support folders are not needed) changed by ``mutate``."""
    copy = tmp_path / "notebooks" / lesson_paths()[0].name
    copy.parent.mkdir()
    notebook = nbformat.read(lesson_paths()[0], as_version=4)
    mutate(notebook)
    nbformat.write(notebook, copy)
    return copy


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_an_error_output_fails_the_build_naming_the_lesson_and_cell(tmp_path):
    def break_it(notebook):
        cell = code_cells(notebook)[1]
        cell.outputs = [new_output("error", ename="NameError", evalue="name 'wb' is not defined", traceback=[])]

    lesson = lesson_with(tmp_path, break_it)
    with pytest.raises(DocsBuildError, match=r"00-getting-started.ipynb: cell \d+ has an error output: NameError"):
        build_docs([lesson], output=tmp_path / "out")
    assert not (tmp_path / "out" / "html").exists()


def test_a_cell_that_was_never_run_fails_the_build(tmp_path):
    def unrun(notebook):
        code_cells(notebook)[0].execution_count = None

    with pytest.raises(DocsBuildError, match=r"cell \d+ was never run"):
        build_docs([lesson_with(tmp_path, unrun)], output=tmp_path / "out")


def test_a_sphinx_warning_fails_the_build(tmp_path):
    def dangling_link(notebook):
        notebook.cells[0].source += "\n\nSee [the missing lesson](99-missing.ipynb)."

    with pytest.raises(DocsBuildError, match="sphinx-build failed"):
        build_docs([lesson_with(tmp_path, dangling_link)], output=tmp_path / "out")


def test_executing_fails_on_a_cell_error(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    broken = new_notebook(cells=[new_markdown_cell("# 00 · Broken"), new_code_cell("1 / 0", execution_count=1)])
    nbformat.write(broken, folder / "00-broken.ipynb")
    assert stored_output_problems(broken) == []  # only running it shows the problem
    with pytest.raises(DocsBuildError, match=r"00-broken.ipynb: cell 2 raised ZeroDivisionError: division by zero"):
        build_docs([folder / "00-broken.ipynb"], output=tmp_path / "out", execute=True)


def test_executing_builds_a_lesson_that_uses_its_support_folder(tmp_path):
    folder = tmp_path / "notebooks"
    (folder / "scripts").mkdir(parents=True)
    (folder / "scripts" / "hello.py").write_text("print('hello from scripts')\n")
    lesson = new_notebook(
        cells=[
            new_markdown_cell("# 00 · Uses a script"),
            new_code_cell(
                "import subprocess, sys\n"
                "print(subprocess.run([sys.executable, 'scripts/hello.py'], capture_output=True, text=True).stdout)"
            ),
        ]
    )
    nbformat.write(lesson, folder / "00-script.ipynb")
    index = build_docs([folder / "00-script.ipynb"], output=tmp_path / "out", execute=True)
    assert "hello from scripts" in page_text(index.parent / "lessons" / "00-script.html")
    shutil.rmtree(tmp_path / "out")
