"""What a trace records: one ``TraceEvent`` per interval, grouped into one ``Lane`` per thread."""

from __future__ import annotations

from dataclasses import dataclass, field

QUERY = "query"
SYNC_TO_ASYNC = "sync_to_async"  # sync code running on a worker thread
AWAIT = "await"  # the loop side of a sync_to_async hop: a coroutine waiting
ASYNC_TO_SYNC = "async_to_sync"  # the sync caller, blocked until the coroutine ends
COROUTINE = "coroutine"  # the coroutine of an async_to_sync hop, on its loop
SPAN = "span"  # a block the learner marked with Trace.span()

# Kinds during which the thread waits for another thread, rather than working.
WAITING_KINDS = frozenset({AWAIT, ASYNC_TO_SYNC})


@dataclass(frozen=True)
class TraceEvent:
    """One recorded interval: what ran, on which thread and loop, and when.

    ``start``/``end`` are seconds since the trace began. ``loop`` names the
    event loop involved: the one running on this thread, or, for sync code
    sent here by ``sync_to_async``, the loop that awaits it (``None`` for
    plain sync code).
    """

    kind: str
    label: str
    thread: str
    thread_id: int
    loop: str | None
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def waiting(self) -> bool:
        """True if the thread only waited for another thread during this event."""
        return self.kind in WAITING_KINDS


@dataclass
class Lane:
    """One thread's row in the timeline."""

    thread: str
    thread_id: int
    runs_event_loop: bool
    events: list[TraceEvent] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.thread} (event loop)" if self.runs_event_loop else self.thread
