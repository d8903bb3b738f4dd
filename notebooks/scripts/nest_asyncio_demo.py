"""Lesson 03's nest_asyncio demonstration, run in a Python process of its own.

``nest_asyncio.apply()`` patches asyncio for the whole process (``asyncio.run``,
``asyncio.Task``, ``asyncio.Future``, the event-loop policy) and has no undo.
Calling it in a notebook kernel would change asyncio for every later cell and
lesson in that kernel, so lesson 03 runs this script with ``subprocess`` and
prints its output. ``cell()`` imitates a notebook cell: it runs inside a
running event loop on the main thread.

Every line printed is the same on every run (no addresses, threads or times).
"""

import asyncio
import os

import nest_asyncio
from asgiref.sync import async_to_sync
from django.core.exceptions import SynchronousOnlyOperation

import workbench


async def which_loop():
    return asyncio.get_running_loop()


async def cell():
    from sample_project.library.models import Book

    cells_loop = asyncio.get_running_loop()

    print("Before nest_asyncio.apply():")
    coroutine = which_loop()
    with workbench.expect(RuntimeError):
        asyncio.run(coroutine)
    coroutine.close()  # it never ran; closing it avoids a "never awaited" warning

    nest_asyncio.apply()

    print()
    print("After nest_asyncio.apply():")
    inner_loop = asyncio.run(which_loop())
    print("  asyncio.run() works, on the cell's own loop:", inner_loop is cells_loop)
    print("  asyncio.run now comes from module:          ", asyncio.run.__module__)
    print("  asyncio.Task is now the pure-Python Task:   ", asyncio.Task is asyncio.tasks._PyTask)
    print()
    print("Still refused, because this thread still runs an event loop:")
    with workbench.expect(RuntimeError):
        async_to_sync(which_loop)()
    with workbench.expect(SynchronousOnlyOperation):
        Book.objects.count()
    print()
    count = await Book.objects.acount()
    print("The correct way works as before: await Book.objects.acount() ->", count)


if __name__ == "__main__":
    # Always a private temporary SQLite file: setup() empties its database, and
    # this child must never empty a database the notebook's kernel is using.
    os.environ.pop("WORKBENCH_DATABASE_URL", None)
    os.environ.pop("WORKBENCH_CHANNEL_LAYER_URL", None)
    workbench.setup()
    asyncio.run(cell())
