"""Group commit: concurrent writes of one kind share a single transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.store.db import Database

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Writes items in batches: while one batch commits, the next one gathers.

    A caller's `submit` returns only after its item is committed. If a batch fails (a
    duplicate, say), each of its items is written alone, so one bad item fails only itself.
    """

    def __init__(
        self,
        db: Database,
        write_many: Callable[[AsyncConnection, list[T]], Awaitable[None]],
        write_one: Callable[[AsyncConnection, T], Awaitable[None]],
        max_batch: int = 256,
    ) -> None:
        self.db = db
        self._write_many = write_many
        self._write_one = write_one
        self._max = max_batch
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        """Write `item` with whatever else is waiting; raises what writing it alone raised."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self._max], self._pending[self._max :]
            if len(batch) > 1:
                try:
                    async with self.db.transaction() as conn:
                        await self._write_many(conn, [item for item, _ in batch])
                except Exception:
                    pass
                else:
                    for _, future in batch:
                        if not future.done():
                            future.set_result(None)
                    continue
            for item, future in batch:
                try:
                    async with self.db.transaction() as conn:
                        await self._write_one(conn, item)
                except Exception as exc:
                    if not future.done():
                        future.set_exception(exc)
                else:
                    if not future.done():
                        future.set_result(None)
