"""Group commit: writes that arrive together share one transaction, and each caller hears back only after it
has committed.

"Together" means in the same turn of the event loop, or while a batch is being written. A write that
arrives alone is written at once by its own caller: it waits neither for company nor for a task switch.
One that arrives in the same turn as another caller's write (a burst: a thousand clicks read off one
socket) is queued, and the queue goes out as one batch at the start of the next turn; whatever arrives
while a batch is being written goes out as the next batch. A batch
either commits as a whole (every caller gets its own result) or fails as a whole (every caller gets the
error): nothing is acknowledged that a crash could still lose. If the writing caller is cancelled, the
batch in progress still completes and delivers, and a new writer takes over the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

WriteBatch = Callable[[Sequence[Item]], Awaitable[Sequence[Result | Exception]]]
"""Writes the items in one transaction and returns one result (or that item's own error) per item, in order;
raises when the transaction as a whole failed."""
WriteNow = Callable[[Sequence[Item]], Sequence[Result | Exception] | None]
"""The same, done at once without waiting for anything, or ``None`` (nothing written) when that cannot be."""

Pending = list[tuple[Item, "asyncio.Future[Result]"]]


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        write: WriteBatch[Item, Result],
        write_now: WriteNow[Item, Result] | None = None,
        *,
        max_batch: int = 1000,
    ) -> None:
        self._write = write
        self._write_now = write_now
        self.max_batch = max_batch
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writing = False
        self._turn_writer: asyncio.Task[Any] | None = None
        """Whose write went out in this turn of the loop (the same caller again is not a burst)."""
        self._in_progress: asyncio.Future[Sequence[Result | Exception]] | None = None
        """The batch being written on the slow path: a reference, so its task outlives a cancelled writer."""
        self.batches = 0
        """How many transactions have been written (for tests and benchmarks)."""

    @property
    def queued(self) -> int:
        """Items waiting for the next batch (for the ops metrics)."""
        return len(self._queue)

    async def submit(self, item: Item) -> Result:
        """Write ``item`` with whatever else is queued; return once its transaction has committed."""
        loop = asyncio.get_running_loop()
        if self._turn_writer is not None and self._turn_writer is asyncio.current_task():
            await asyncio.sleep(0)  # this caller wrote already in this turn: let the loop turn (a loop of awaited
            # writes that are all done at once would otherwise never give anyone else a turn)
        future: asyncio.Future[Result] = loop.create_future()
        self._queue.append((item, future))
        if self._writing:
            pass  # the writer takes it with the next batch
        elif self._turn_writer not in (None, asyncio.current_task()):
            # another caller wrote in this very turn: a burst. Gather this turn's writes into one batch, next turn.
            self._writing = True
            loop.call_soon(self._start_writer)
        else:
            await self._drain()
        return await future

    def _start_writer(self) -> None:
        """At the next turn: write what queued at once when the store can (no task, so no turn lost), else hand it
        to a writer task."""
        while self._queue and self._write_now_or_not(self._take()):
            pass
        if self._queue:
            asyncio.get_running_loop().create_task(self._drain(), name="group-commit")
        else:
            self._writing = False

    def _take(self) -> Pending[Item, Result]:
        batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
        return batch

    def _write_now_or_not(self, batch: Pending[Item, Result]) -> bool:
        """Write ``batch`` without waiting if the store can; otherwise put it back first in the queue."""
        try:
            results = self._write_now([item for item, _ in batch]) if self._write_now is not None else None
        except Exception as exc:  # the batch as a whole failed (a full disk): every caller hears it
            self.batches += 1
            _fail(batch, exc)
            return True
        if results is None:
            self._queue[:0] = batch
            return False
        self.batches += 1
        if self._turn_writer is None:
            asyncio.get_running_loop().call_soon(self._turn_over)
        self._turn_writer = asyncio.current_task()
        _deliver_results(results, batch)
        return True

    def _turn_over(self) -> None:
        self._turn_writer = None

    async def _drain(self) -> None:
        self._writing = True
        try:
            while self._queue:
                if self._write_now_or_not(self._take()):
                    continue
                batch = self._take()
                self.batches += 1
                written = asyncio.ensure_future(self._write([item for item, _ in batch]))  # noqa: RUF006 (kept: _in_progress)
                written.add_done_callback(lambda done, batch=batch: _deliver(done, batch))  # type: ignore[misc]
                self._in_progress = written
                with contextlib.suppress(Exception):  # delivered to the batch's callers by _deliver
                    await asyncio.shield(written)  # cancelling this caller must not lose the batch's outcome
        finally:
            self._writing = False
            if self._queue:  # this writer was cancelled: the next batch needs another
                asyncio.get_running_loop().create_task(self._drain(), name="group-commit")


def _deliver(done: asyncio.Future[Sequence[Result | Exception]], batch: Pending[Item, Result]) -> None:
    if done.cancelled():
        for _, future in batch:
            future.cancel()
        return
    failure = done.exception()
    if failure is not None:
        _fail(batch, failure)
        return
    _deliver_results(done.result(), batch)


def _fail(batch: Pending[Item, Result], failure: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(failure)


def _deliver_results(results: Sequence[Result | Exception], batch: Pending[Item, Result]) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():  # its caller gave up; the write stands
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)
