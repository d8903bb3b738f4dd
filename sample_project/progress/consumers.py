"""The live-progress sockets: a notebook reports, staff watch the room, a learner watches their own results.

* ``ws/progress/report/``: a learner's notebook (``workbench.check``) says
  hello with its token, then sends one ``progress.result`` per check run;
  each is stored, then broadcast to the staff grid and the learner's pages.
  Nothing is sent back but errors, so a notebook that never reads cannot
  fill its buffers.
* ``ws/progress/room/``: the staff grid; a signed-in staff user's session
  only. It joins the staff group first, then receives the snapshot, so no
  result falls between the two; ``progress.refresh`` asks for a new one when
  the layer dropped a report.
* ``ws/progress/mine/``: one learner's own results, after a hello with
  their token; never anyone else's.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError

from . import protocol, store
from .groups import STAFF_GROUP, learner_group
from .tokens import InvalidToken, learner_from_token

# The channel-layer event that carries an encoded frame to every member of a group.
PROGRESS_FRAME = "progress.frame"
MAX_BATCH = 500  # reports in one progress.reports frame
BATCH_INTERVAL = 0.05  # seconds between a worker's batches while reports keep coming

logger = logging.getLogger(__name__)


class StaffBroadcast:
    """Sends the staff grid each worker's new reports in batches, one send in flight at a time.

    The first report goes out at once; those stored while that send is on its
    way (and for ``BATCH_INTERVAL`` after it) go in the next. A channel holds at
    most ``capacity`` messages (100 by default; channels_redis also drops the
    oldest of a consumer's buffered messages past it): 200 learners checking at
    once would overflow the grid's channel one message each, and fit as a few
    batches per second.
    """

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.sending: asyncio.Task[None] | None = None

    def add(self, layer: Any, report: dict[str, Any]) -> None:
        self.pending.append(report)
        if self.sending is None or self.sending.done():
            self.sending = asyncio.get_running_loop().create_task(self._send(layer))

    async def _send(self, layer: Any) -> None:
        while self.pending:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            text = protocol.frame(protocol.REPORTS, {"reports": batch})
            try:
                await layer.group_send(STAFF_GROUP, {"type": PROGRESS_FRAME, "text": text})
            except Exception:  # e.g. Redis restarting: the grid sees the gap and asks for a snapshot
                logger.exception("%d progress reports did not reach the staff grid", len(batch))
            if self.pending:
                # At most one batch per BATCH_INTERVAL while reports keep coming: a grid that is busy
                # for a moment (a snapshot) then finds a few messages waiting, not a full channel.
                await asyncio.sleep(BATCH_INTERVAL)


# One per event loop: a worker process has one; so has each test.
_broadcasts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, StaffBroadcast] = weakref.WeakKeyDictionary()


def staff_broadcast() -> StaffBroadcast:
    loop = asyncio.get_running_loop()
    if loop not in _broadcasts:
        _broadcasts[loop] = StaffBroadcast()
    return _broadcasts[loop]


class ProgressConsumer(AsyncWebsocketConsumer):
    """A socket in at most one group, with frames validated and errors answered, not raised."""

    group: str | None = None

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.group = group

    async def refuse(self, code: str, detail: str, close_code: int) -> None:
        """Say why in an error frame, then close with ``close_code`` (the socket is already accepted)."""
        await self.send_error(code, detail)
        await self.close(code=close_code)

    async def send_error(self, code: str, detail: str) -> None:
        await self.send(text_data=protocol.error_frame(code, detail))

    async def progress_frame(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def dispatch(self, message: dict[str, Any]) -> None:
        # A broadcast frame never touches the database: skip Channels' per-handler
        # close_old_connections() hop to the ORM's thread (as the chat does).
        if message["type"] == PROGRESS_FRAME:
            await self.progress_frame(message)
        else:
            await super().dispatch(message)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)


class LearnerConsumer(ProgressConsumer):
    """A socket that must say hello with a learner's token before anything else."""

    learner: str | None = None

    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            kind, data = protocol.parse_frame(text_data, bytes_data)
            if self.learner is None:
                hello = protocol.parse_hello(kind, data)
        except protocol.ProtocolError as error:
            if self.learner is None:
                await self.refuse(error.code, error.detail, protocol.CLOSE_NOT_AUTHENTICATED)
            else:
                await self.send_error(error.code, error.detail)
            return
        if self.learner is None:
            try:
                self.learner = learner_from_token(hello.token)
            except InvalidToken as exc:
                await self.refuse(protocol.NOT_AUTHENTICATED, str(exc), protocol.CLOSE_NOT_AUTHENTICATED)
                return
            await self.welcome(self.learner)
            return
        await self.handle(kind, data, self.learner)

    async def welcome(self, learner: str) -> None:
        await self.send(text_data=protocol.frame(protocol.WELCOME, {"learner": learner}))

    async def handle(self, kind: str, data: dict[str, Any], learner: str) -> None:
        await self.send_error(protocol.NOT_ACCEPTED, "this socket only delivers your results and accepts no frames.")


class ReportConsumer(LearnerConsumer):
    """``ws/progress/report/``: store each result of a learner's checks and broadcast it."""

    async def handle(self, kind: str, data: dict[str, Any], learner: str) -> None:
        try:
            result = protocol.parse_result(kind, data)
        except protocol.ProtocolError as error:
            await self.send_error(error.code, error.detail)
            return
        try:
            report = await store.store_result(learner, result)
        except DatabaseError as exc:
            await self.send_error(
                protocol.NOT_STORED, f"the result could not be stored ({type(exc).__name__}); it was not shown to anyone."
            )
            return
        data = store.as_data(report)
        staff_broadcast().add(self.channel_layer, data)
        # Encoded once, sent on by each of the learner's pages.
        event = {"type": PROGRESS_FRAME, "text": protocol.frame(protocol.REPORT, data)}
        await self.channel_layer.group_send(learner_group(learner), event)


class MineConsumer(LearnerConsumer):
    """``ws/progress/mine/``: one learner's own results: a snapshot, then each new one."""

    async def welcome(self, learner: str) -> None:
        await self.join(learner_group(learner))  # before the snapshot: nothing falls between
        await super().welcome(learner)
        snapshot = await store.snapshot(learner)
        await self.send(text_data=protocol.frame(protocol.SNAPSHOT, snapshot))


class RoomConsumer(ProgressConsumer):
    """``ws/progress/room/``: the whole room's results, for a signed-in staff user only."""

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not (user.is_active and user.is_staff):
            await self.refuse(
                protocol.NOT_STAFF,
                "the room's progress is for staff: sign in at /progress/login/ with a staff account, then reconnect.",
                protocol.CLOSE_NOT_STAFF,
            )
            return
        await self.join(STAFF_GROUP)  # before the snapshot: nothing falls between
        snapshot = await store.snapshot()
        await self.send(text_data=protocol.frame(protocol.SNAPSHOT, snapshot))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.group is None:
            return
        try:
            kind, _ = protocol.parse_frame(text_data, bytes_data)
        except protocol.ProtocolError as error:
            await self.send_error(error.code, error.detail)
            return
        if kind != protocol.REFRESH:
            await self.send_error(protocol.NOT_ACCEPTED, 'the room\'s grid only sends {"type": "progress.refresh"}.')
            return
        # A report the layer dropped (at most once): everything again, from the database.
        await self.send(text_data=protocol.frame(protocol.SNAPSHOT, await store.snapshot()))
