"""A background loop that runs a step when woken or when its wait runs out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

_detached: set[asyncio.Task[Any]] = set()


def detach(coro: Coroutine[Any, Any, None]) -> None:
    """Run `coro` in the background, held until it ends (the loop keeps only weak references)."""
    task = asyncio.ensure_future(coro)
    _detached.add(task)
    task.add_done_callback(_detached.discard)


class Worker:
    """Runs `step` again and again; each run returns how long to wait before the next.

    `wake()` cuts the wait short. `stop()` sets a flag and wakes the loop rather than
    cancelling it: a cancellation that lands inside a database driver call can be swallowed
    there, and the loop would then wait forever.
    """

    def __init__(self, name: str, step: Callable[[], Awaitable[float]], *, retry: float) -> None:
        self.name = name
        self.step = step
        self.retry = retry  # the wait after a step that failed
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the loop (once)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        """Run the step again now (or as soon as the one under way ends)."""
        self._wake.set()

    async def stop(self) -> None:
        """Let the step under way finish, then end the loop."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wake.clear()
            try:
                wait = await self.step()
            except Exception:
                log.exception("%s: a pass failed; retrying", self.name)
                wait = self.retry
            if self._stopping:
                return
            timer = loop.call_later(max(wait, 0.001), self._wake.set)
            try:
                await self._wake.wait()
            finally:
                timer.cancel()
