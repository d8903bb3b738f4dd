"""``in_flight``: the long requests running now, and how each one ended.

Real views hold things while they wait: a subscription, a slot of a quota,
a gauge a dashboard reads. Whatever a view takes it must give back however it
ends: it answers, it fails, or its client goes away. The views of this package
take a ``Visit`` with ``in_flight.start(name)`` and give it back with
``in_flight.end(visit)`` in a ``finally``, after noting in ``except
asyncio.CancelledError`` that the client left.

Thread-safe: under WSGI each request runs on a thread (and an event loop) of
its own; under ASGI the views of one server share its loop.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

OPEN = "open"
COMPLETED = "completed"  # the view finished its work and answered
DISCONNECTED = "disconnected"  # the client went away; the view was cancelled
FAILED = "failed"  # the view raised


@dataclass
class Visit:
    """One request held by a long view: which view, on which thread, and how it ended."""

    view: str
    thread: str
    outcome: str = OPEN


class InFlight:
    """The visits open now and the last ``history`` that ended, oldest first."""

    def __init__(self, history: int = 100) -> None:
        self._lock = threading.Lock()
        self._open: list[Visit] = []
        self._ended: deque[Visit] = deque(maxlen=history)

    def start(self, view: str) -> Visit:
        """Hold a slot for ``view``; give it back with ``end()`` however the view ends."""
        visit = Visit(view=view, thread=threading.current_thread().name)
        with self._lock:
            self._open.append(visit)
        return visit

    def end(self, visit: Visit) -> None:
        """Give the slot back; a visit still ``open`` counts as ``completed``. Idempotent."""
        with self._lock:
            if visit.outcome == OPEN:
                visit.outcome = COMPLETED
            if visit in self._open:
                self._open.remove(visit)
                self._ended.append(visit)

    def open(self, view: str | None = None) -> list[Visit]:
        """The visits running now (of ``view``, or of every view)."""
        with self._lock:
            return [visit for visit in self._open if view is None or visit.view == view]

    def ended(self, view: str | None = None) -> list[Visit]:
        """The visits that ended (of ``view``, or of every view), oldest first."""
        with self._lock:
            return [visit for visit in self._ended if view is None or visit.view == view]

    def forget(self) -> None:
        """Drop the history of ended visits (open ones stay)."""
        with self._lock:
            self._ended.clear()


in_flight = InFlight()
