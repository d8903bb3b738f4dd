"""``SessionCommunicator``: Channels' ``WebsocketCommunicator`` with a real login.

Its own module because importing ``channels.testing`` imports daphne and
Twisted, which ``import workbench`` must not do: ``communicator()`` imports
this module on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from channels.testing import WebsocketCommunicator

from .sessions import cookie_header, login_cookies


class SessionCommunicator(WebsocketCommunicator):
    """A ``WebsocketCommunicator`` that logs ``user`` in when it connects.

    It also reports an application that crashes at once, with its error,
    instead of only when a receive's timeout ends.
    """

    def __init__(self, application: Any, path: str, *, headers: list[tuple[bytes, bytes]], user: Any) -> None:
        super().__init__(application, path, headers=headers)
        self.user = user

    async def connect(self, timeout: float = 1) -> tuple[bool, int | str | None]:
        if self.user is not None:
            # Runs in the caller's async context: the session is written
            # through the async ORM before the handshake starts.
            cookies = await login_cookies(self.user)
            self.scope["headers"].append((b"cookie", cookie_header(cookies).encode()))
        return await super().connect(timeout)

    # Whether the application's error has already been raised to the caller.
    error_raised = False

    async def receive_output(self, timeout: float = 1) -> Any:
        # asgiref looks at the application only before and after waiting
        # for an output, so a consumer that raised (say, in connect())
        # costs the whole timeout and then reads as a TimeoutError. Wait
        # for an output *or* the application's end, whichever comes first.
        with self._noting_application_errors():
            receiving = asyncio.ensure_future(super().receive_output(timeout))
            await asyncio.wait({receiving, self.future}, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done() and not self.future.cancelled() and self.future.exception():
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await receiving
                self.future.result()  # raises what the application raised
            return await receiving

    async def send_input(self, message: dict[str, Any]) -> None:
        with self._noting_application_errors():
            await super().send_input(message)

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        with self._noting_application_errors():
            return await super().receive_nothing(timeout, interval)

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        # In `try: ... finally: await socket.disconnect()`, asgiref would
        # start an application that never connected just to disconnect
        # it, and raise a crashed application's error a second time (on
        # Python 3.11 without the frames that say where it happened).
        # Neither has anything left to close.
        started = self._future  # asgiref's task, None until the first input
        if started is None or (started.done() and (started.cancelled() or self.error_raised)):
            return
        await super().disconnect(code, timeout)

    @contextlib.contextmanager
    def _noting_application_errors(self) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            future = self._future
            if future is not None and future.done() and not future.cancelled() and future.exception() is exc:
                self.error_raised = True
            raise

