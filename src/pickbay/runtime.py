"""The running engine: database, clock, scheduler and every vendor's services, started and
stopped together."""

from __future__ import annotations

import asyncio
from typing import TypeVar

from sqlalchemy import text

from pickbay.bus.backplane import backplane_for
from pickbay.bus.feed import Feed
from pickbay.bus.relay import EventRelay
from pickbay.config import Settings
from pickbay.core import ids
from pickbay.core.clock import Clock, system_wall
from pickbay.engine.accounts import Accounts
from pickbay.engine.board import Board
from pickbay.engine.clock import ClockService
from pickbay.engine.cluster import Cluster
from pickbay.engine.faults import Faults
from pickbay.engine.scheduler import Scheduler
from pickbay.engine.tenancy import Tenancy
from pickbay.store.db import Database
from pickbay.vendors.contract import Vendor
from pickbay.vendors.registry import VENDORS
from pickbay.webhooks.dispatcher import Format, WebhookDispatcher
from pickbay.webhooks.subscriptions import Webhooks

S = TypeVar("S")
READY_SECONDS = 2.0  # how long the readiness probe waits for the database
STARTUP = "startup"  # the deployment-wide lock on migrations and seeding
SCHEDULER, WEBHOOKS = "scheduler", "webhooks"  # the roles one process at a time holds


class Runtime:
    """Everything one pickbay process holds; routes and the CLI reach the engine through it."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.vendors: tuple[Vendor, ...] = VENDORS
        self.db = Database(settings.database_url)
        self.backplane = backplane_for(settings.redis_url)
        self.relay = EventRelay(self.db, self.backplane, poll_interval=settings.relay_poll_seconds)
        self.feed = Feed(self.relay)
        self.board = Board(self.db, self.feed, self.vendors)
        self.clock = ClockService(self.db, clock)
        self.scheduler = Scheduler(self.db, self.clock)
        self.cluster = Cluster(
            self.db,
            self.backplane,
            self.clock,
            wall=system_wall,
            relay_cursor=lambda: self.relay.cursor,
        )
        self.tenancy = Tenancy(self.db, self.clock)
        self.faults = Faults(
            self.db,
            self.clock,
            self.backplane,
            {v.name: frozenset(k.key for k in v.machine_steps) for v in self.vendors},
        )
        self.scheduler.hold = self.faults.hold
        self.scheduler.may_hold = lambda: bool(self.faults.active)
        self.faults.released = self.scheduler.poke
        self.accounts = Accounts(self.db, self.clock)
        self._services: dict[type, object] = {}
        formats: dict[str, Format] = {}
        for vendor in self.vendors:
            vendor.build(self)
            found = vendor.webhook_format()
            if found is not None:
                formats[vendor.name] = found
        self.dispatcher = WebhookDispatcher(
            self.db,
            self.clock,
            self.relay,
            formats,
            retry_seconds=settings.webhook_retry_seconds,
            retry_max_seconds=settings.webhook_retry_max_seconds,
            timeout_seconds=settings.webhook_timeout_seconds,
            owner=self.cluster.id,
        )
        self.dispatcher.mishap = self.faults.mishap
        self.webhooks = Webhooks(self.db, self.clock, lambda: set(formats), self.dispatcher.ring)
        self.cluster.role(
            SCHEDULER,
            self._start_scheduler,
            self.scheduler.stop,
            eligible=settings.scheduler,
            passes=lambda: self.scheduler.passes,
        )
        self.cluster.role(
            WEBHOOKS,
            self.dispatcher.start,
            self.dispatcher.stop,
            eligible=settings.webhooks,
            passes=lambda: self.dispatcher.passes,
        )

    def provide(self, service: object) -> None:
        """Hold a vendor's service, to be found by its type."""
        self._services[type(service)] = service

    def service(self, kind: type[S]) -> S:
        """The service of type `kind` a vendor provided (KeyError if none did)."""
        found = self._services[kind]
        assert isinstance(found, kind)
        return found

    async def start(self) -> None:
        """Migrate, load the clock and keys, start each vendor (credentials, seed data), then
        join the cluster, taking the roles that are free.

        The startup work holds a deployment-wide lock: processes started at once on a new
        database migrate and seed one after the other.
        """
        if self.settings.seed is not None:
            ids.reseed(self.settings.seed)
        async with self.db.lock(STARTUP):
            await self.db.migrate()
            await self.backplane.start()
            await self.relay.start()
            self.feed.start()
            await self.clock.load()
            await self.faults.start()
            await self.accounts.start()
            for vendor in self.vendors:
                await vendor.start(self)
        await self.cluster.start()

    async def readiness(self) -> dict[str, str]:
        """Whether this process reaches its database and its backplane now ("ok" or why not)."""
        found = {"database": "ok", "backplane": "ok"}
        try:
            async with asyncio.timeout(READY_SECONDS), self.db.read() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            found["database"] = f"unreachable: {type(exc).__name__}"
        if not await self.backplane.ping():
            found["backplane"] = "unreachable"
        return found

    async def _start_scheduler(self) -> None:
        self.scheduler.start()

    async def stop(self) -> None:
        """Leave the cluster (its roles stop), stop the relay, close the backplane and database."""
        await self.cluster.stop()
        await self.faults.stop()
        await self.scheduler.stop()
        await self.dispatcher.stop()
        self.feed.close()
        await self.relay.stop()
        await self.backplane.close()
        await self.db.dispose()
        if self.settings.seed is not None:
            ids.reseed(None)
