"""The processes of one deployment: who is alive, who holds each role, the clock they share.

Every process writes a heartbeat row each second. A role (a loop that must run in one
process at a time: the scheduler, the webhook sender) is held by a lease row: the holder
renews it with each heartbeat; when it stops renewing (it died, or lost the database),
the lease runs out after `LEASE_SECONDS` and the next eligible process to beat takes it,
with the fencing token one higher. Leases are rows rather than advisory locks because they
outlive a dropped connection for a bounded, known time, carry the token and the holder for
the cluster view, and work the same on SQLite.

A clock change rings the backplane; each process re-reads the clock and writes the version
it runs on into its heartbeat row, which the process that made the change waits for.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from pickbay.background import Worker, detach
from pickbay.bus.backplane import Backplane
from pickbay.core.clock import WallClock
from pickbay.engine.clock import ClockService
from pickbay.store import cluster as store
from pickbay.store.db import Database

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
LEASE_SECONDS = 3.0  # a dead holder's role moves within this plus one heartbeat
ALIVE_SECONDS = 5.0  # a process not seen for this long is counted out
FORGET_SECONDS = 3600.0  # rows of processes gone this long are deleted
CLOCK_WAIT_SECONDS = 1.0  # how long a clock change waits for the other processes to take it
CLOCK_CHANNEL = "clock"


@dataclass
class Role:
    """A loop that one process of the deployment runs at a time."""

    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]
    eligible: bool
    passes: Callable[[], int]  # how many passes the loop has made; a change is progress
    token: int | None = None  # the lease's fencing token while this process holds it
    seen_passes: int = -1


class Cluster:
    """This process's heartbeat, its leases and its part in clock changes."""

    def __init__(
        self,
        db: Database,
        backplane: Backplane,
        clock: ClockService,
        *,
        wall: WallClock,
        relay_cursor: Callable[[], int] = lambda: 0,
    ) -> None:
        self.db = db
        self.backplane = backplane
        self.clock = clock
        self.wall = wall
        self.relay_cursor = relay_cursor
        self.connections: Callable[[], int] = lambda: 0  # realtime connections held here
        self.id = secrets.token_hex(8)
        self.host = socket.gethostname()[:200]
        self.pid = os.getpid()
        self.started_at = wall()
        self.roles: dict[str, Role] = {}
        self._worker = Worker("pickbay-cluster", self._beat, retry=HEARTBEAT_SECONDS)
        self._unsubscribe: Callable[[], None] | None = None
        self._switching = asyncio.Lock()
        self._renewed_at = wall()  # when the last heartbeat (and renewal) committed
        clock.propagate = self._propagate
        clock.me = self.id

    def role(
        self,
        name: str,
        start: Callable[[], Awaitable[None]],
        stop: Callable[[], Awaitable[None]],
        *,
        eligible: bool,
        passes: Callable[[], int],
    ) -> None:
        """Declare a role this process may hold (`eligible`), how to start and stop it, and
        how to count its passes (the cluster view shows when it last made one)."""
        self.roles[name] = Role(name, start, stop, eligible, passes)

    def holds(self, name: str) -> bool:
        """Whether this process holds role `name` now."""
        role = self.roles.get(name)
        return role is not None and role.token is not None

    async def start(self) -> None:
        """Join: the first heartbeat (taking every free role it may hold), then one a second."""
        self._unsubscribe = await self.backplane.subscribe(CLOCK_CHANNEL, self._clock_rang)
        await self._beat()
        self._worker.start()

    async def stop(self) -> None:
        """Leave: stop the roles held, hand their leases back at once, delete the heartbeat."""
        await self._worker.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
        async with self._switching:
            held = [r for r in self.roles.values() if r.token is not None]
            for role in held:
                await role.stop()
                role.token = None
            try:
                async with self.db.transaction() as conn:
                    await store.release(conn, self.id, [r.name for r in held])
                    await store.leave(conn, self.id)
            except Exception:
                log.exception("cluster: could not hand back leases; they run out by themselves")

    async def _beat(self) -> float:
        """Heartbeat, renew or take leases, catch up with the clock; then start or stop roles.

        A holder that cannot renew for as long as a lease lasts (the database is gone for it)
        stops its roles: another process may hold them by now.
        """
        try:
            return await self._beat_once()
        except Exception:
            if self.wall() - self._renewed_at > timedelta(seconds=LEASE_SECONDS):
                await self._switch({name: None for name in self.roles if self.holds(name)})
            raise

    async def _beat_once(self) -> float:
        await self.clock.refresh()
        advancing = self.clock.advancing_by
        if advancing is not None and advancing != self.id:
            async with self.db.read() as conn:
                since = self.wall() - timedelta(seconds=ALIVE_SECONDS)
                gone = not await store.alive(conn, advancing, since)
            if gone:
                log.warning("cluster: %s died fast-forwarding the clock; writes resume", advancing)
                self.clock.release()
            else:
                await self.clock.drained()  # the heartbeat tells it this process has the clock
        now = self.wall()
        expires = now + timedelta(seconds=LEASE_SECONDS)
        outcome: dict[str, int | None] = {}
        async with self.db.transaction() as conn:
            await store.beat(
                conn,
                self.id,
                host=self.host,
                pid=self.pid,
                started_at=self.started_at,
                now=now,
                clock_version=self.clock.version,
                relay_cursor=self.relay_cursor(),
                connections=self.connections(),
            )
            for role in self.roles.values():
                if role.token is not None:
                    passes = role.passes()
                    progress = now if passes != role.seen_passes else None
                    role.seen_passes = passes
                    kept = await store.renew(
                        conn, role.name, self.id, role.token, expires, progress
                    )
                    outcome[role.name] = role.token if kept else None
                elif role.eligible:
                    outcome[role.name] = await store.take(conn, role.name, self.id, now, expires)
            await store.forget(conn, now - timedelta(seconds=FORGET_SECONDS))
        self._renewed_at = now
        await self._switch(outcome)
        return HEARTBEAT_SECONDS

    async def _switch(self, outcome: dict[str, int | None]) -> None:
        async with self._switching:
            for name, token in outcome.items():
                role = self.roles[name]
                if role.token is not None and token is None:
                    log.warning("cluster: lost the %s role; stopping it", name)
                    role.token = None
                    await role.stop()
                elif role.token is None and token is not None:
                    try:
                        await role.start()
                    except Exception:
                        # Not renewed, the lease runs out and the role goes to whoever beats.
                        log.exception("cluster: could not start the %s role", name)
                        continue
                    log.info("cluster: took the %s role (lease token %d)", name, token)
                    role.token = token

    def _clock_rang(self, _message: bytes) -> None:
        detach(self._take_clock())

    async def _take_clock(self) -> None:
        try:
            if await self.clock.refresh():
                if self.clock.advancing_by is not None:
                    await self.clock.drained()  # another advances: what is under way ends first
                async with self.db.transaction() as conn:
                    await store.ack_clock(conn, self.id, self.clock.version)
        except Exception:
            log.exception("cluster: could not take the new clock; the next heartbeat will")

    async def _propagate(self, version: int) -> None:
        """Ring the other processes and wait (a bounded time) until each runs on `version`."""
        if self.db.is_sqlite:
            return  # one process
        try:
            await self.backplane.publish(CLOCK_CHANNEL, str(version).encode())
        except Exception:
            log.warning("cluster: could not ring the clock change; processes take it on beat")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLOCK_WAIT_SECONDS
        while True:
            alive_since = self.wall() - timedelta(seconds=ALIVE_SECONDS)
            async with self.db.read() as conn:
                behind = await store.behind_clock(conn, self.id, version, alive_since)
            if not behind or loop.time() >= deadline:
                return
            await asyncio.sleep(0.005)

    async def view(self) -> dict[str, object]:
        """The deployment as this process sees it: processes, roles, lags, due timers."""
        now = self.wall()
        async with self.db.read() as conn:
            return await store.view(
                conn,
                me=self.id,
                wall_now=now,
                alive_since=now - timedelta(seconds=ALIVE_SECONDS),
                virtual_now=self.clock.now(),
            )
