"""The IPython extension: ``%%sync`` and ``%context``.

``%%sync`` runs a cell's code with sync Django (``Book.objects.create(...)``,
``for b in Book.objects.all()``) on the async ORM's worker thread, so it
works inside the kernel's running event loop without switching Django's
async-safety guard off.
"""

from __future__ import annotations

import ast
from typing import Any

from IPython.core.interactiveshell import InteractiveShell

from .context import describe_context, run_sync_blocking
from .errors import WorkbenchError
from .hints import NOT_SET_UP, django_is_set_up


class _Rendered:
    """A value already rendered on the worker thread, shown as the cell's output.

    Rendering there matters: the repr of a QuerySet or of a model whose
    ``__str__`` follows a relation runs a query, which the cell's own thread
    would refuse.
    """

    def __init__(self, bundle: dict[str, Any], metadata: dict[str, Any]) -> None:
        self._bundle, self._metadata = bundle, metadata

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        return self._bundle, self._metadata

    def __repr__(self) -> str:
        return str(self._bundle.get("text/plain", ""))


def run_sync_cell(shell: InteractiveShell, cell: str) -> _Rendered | None:
    """``%%sync``: run ``cell`` as sync code on the ORM's worker thread (names it assigns stay)."""
    if not django_is_set_up():
        raise WorkbenchError(NOT_SET_UP)
    source = shell.transform_cell(cell)
    tree = ast.parse(source, filename="<%%sync cell>")
    last_expression = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not cell.rstrip().endswith(";"):
        last_expression = ast.Expression(tree.body.pop().value)
    body = compile(tree, "<%%sync cell>", "exec")
    final = compile(last_expression, "<%%sync cell>", "eval") if last_expression else None
    namespace = shell.user_ns
    formatter = shell.display_formatter

    def run() -> _Rendered | None:
        # On asgiref's sync worker thread (no event loop there), where the
        # cell's a-methods also run: same thread, same database connection.
        exec(body, namespace)  # noqa: S102 - the learner's own cell
        if final is None:
            return None
        value = eval(final, namespace)  # noqa: S307 - the learner's own cell
        if value is None:
            return None
        bundle, metadata = formatter.format(value) if formatter is not None else ({"text/plain": repr(value)}, {})
        return _Rendered(bundle, metadata)

    return run_sync_blocking(run)


def print_context() -> None:
    """``%context``: print where this cell runs: thread, event loop, Django's async-unsafe guard."""
    print(describe_context())


def register(shell: InteractiveShell) -> None:
    """Add ``%%sync`` and ``%context`` to ``shell`` (what ``%load_ext workbench`` does)."""
    magics = shell.magics_manager
    magics.register_function(lambda line, cell: run_sync_cell(shell, cell), "cell", "sync")
    magics.register_function(lambda line: print_context(), "line", "context")
