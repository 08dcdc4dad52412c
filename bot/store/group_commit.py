"""Group commit: writes that arrive together share one transaction, and each caller hears back only after it
has committed.

While one batch is being written, the next ones queue up; when it is done, everything that queued
goes out as the next batch. A write that arrives alone starts its batch at once: nothing waits for
company. A batch either commits as a whole (every caller gets its own result) or fails as a whole
(every caller gets the error): nothing is acknowledged that a crash could still lose.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

WriteBatch = Callable[[Sequence[Item]], Awaitable[Sequence[Result | Exception]]]
"""Writes the items in one transaction and returns one result (or that item's own error) per item, in order;
raises when the transaction as a whole failed."""


class GroupCommit(Generic[Item, Result]):
    def __init__(self, write: WriteBatch[Item, Result], *, max_batch: int = 1000) -> None:
        self._write = write
        self.max_batch = max_batch
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        """How many transactions have been written (for tests and benchmarks)."""

    async def submit(self, item: Item) -> Result:
        """Write ``item`` with whatever else is queued; return once its transaction has committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain(), name="group-commit")
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                await self._write_batch(batch)
        except BaseException:  # cancelled (the loop is shutting down): nobody may wait forever
            queued, self._queue = self._queue, []
            for _, future in queued:
                future.cancel()
            raise
        finally:
            self._writer = None

    async def _write_batch(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        self.batches += 1
        try:
            results = await self._write([item for item, _ in batch])
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled: the callers must not wait forever
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # its caller gave up; the write stands
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
