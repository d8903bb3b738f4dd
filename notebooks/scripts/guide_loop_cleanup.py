"""Lesson 08: what the guide's ``run_async_in_thread`` does when a new loop cannot be made.

``asyncio.new_event_loop()`` needs file descriptors (a selector and a
self-pipe). This script lowers its own limit of open files so that the next
descriptor cannot be opened, then calls the guide's function: an
``UnboundLocalError`` from its ``finally`` replaces the real ``OSError``, which
survives only as its ``__context__`` (an ``except OSError:`` no longer catches
it). Lowering the limit is safe only in a process of its own, so lesson 08 runs
this script as a child process and prints its output. Nothing printed
depends on the machine (no paths, numbers of descriptors or addresses).
It imports only the standard library (no ``workbench``, no Django), so that it
starts fast; it exits with an error if the guide's function ever stops failing
this way.
"""

import asyncio
import logging
import os
import resource
import sys

logger = logging.getLogger("guide")
logger.addHandler(logging.NullHandler())  # the guide's logger, silent here
logger.propagate = False


# The guide's code, unchanged:
def run_async_in_thread(async_func, *args, **kwargs):
    """Run async function in new thread with fresh event loop."""
    def thread_target():
        try:
            # Create new event loop for this thread
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)

            # Run async operations
            return loop.run_until_complete(async_func(*args, **kwargs))

        except Exception as e:
            logger.error(f"Thread async error: {e}")
            raise
        finally:
            # Clean up event loop
            if loop and not loop.is_closed():
                loop.close()

    return thread_target


async def answer():
    return 42


def descriptors_used_up() -> tuple[int, int]:
    """Set the soft limit of open files to the lowest free descriptor: the next open fails."""
    lowest_free = os.dup(0)
    os.close(lowest_free)
    saved = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, saved[1]))
    return saved


if __name__ == "__main__":
    thread_target = run_async_in_thread(answer)
    print("With descriptors to spare it works:", thread_target())
    print("With none left, new_event_loop() fails and the finally block raises instead:")
    saved = descriptors_used_up()
    try:
        thread_target()
    except UnboundLocalError as exc:
        raised = exc
    else:
        sys.exit("expected an UnboundLocalError: did the guide's function change?")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, saved)
    assert "'loop'" in str(raised), raised
    print(f"{type(raised).__name__}: {raised}")
    real = raised.__context__
    print("The real error survives only as its __context__:", type(real).__name__, "-", os.strerror(real.errno))
    print("An `except OSError:` would catch what was raised:", isinstance(raised, OSError))
