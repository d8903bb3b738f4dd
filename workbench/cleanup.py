"""``stop_servers()``: end every server this kernel started, whichever cells ran.

A lesson's last cell calls it, so the clean-up works even when a learner
skipped the cell that started a server (no ``NameError``, nothing left
running). ``serve()``, ``start_postgres()``, ``start_redis()`` and
``local_endpoint()`` register what they start here.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Stoppable(Protocol):
    def close(self) -> None: ...


_lock = threading.Lock()
_started: list[Stoppable] = []


def track(server: Stoppable) -> None:
    """Remember ``server`` so that ``stop_servers()`` can end it."""
    with _lock:
        _started.append(server)


def forget(server: Stoppable) -> None:
    """``server`` was stopped by its own code (a ``with`` block, ``close()``): ``stop_servers()`` leaves it out."""
    with _lock:
        if server in _started:
            _started.remove(server)


def stop_servers() -> list[Stoppable]:
    """Stop every server this process started and is still tracking; return them (their reprs say "stopped").

    Safe to call at any time, any number of times: a server already stopped
    is stopped again harmlessly, and each is forgotten once stopped. The list
    is sorted by repr, so a lesson's output is the same whichever server
    (started on another thread, say) registered first.
    """
    with _lock:
        started = list(_started)
        _started.clear()
    for server in reversed(started):  # the last started first: a client before the server it uses
        server.close()
    return sorted(started, key=repr)
