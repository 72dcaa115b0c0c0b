"""The running engine: database, clock, scheduler and services, started and stopped together."""

from __future__ import annotations

from pickbay.bus.backplane import backplane_for
from pickbay.bus.relay import EventRelay
from pickbay.config import Settings
from pickbay.core.clock import Clock
from pickbay.core.pickup import Policy
from pickbay.engine.accounts import Accounts
from pickbay.engine.clock import ClockService
from pickbay.engine.itempath import LiftService, Timing
from pickbay.engine.pickup import PickupService
from pickbay.engine.scheduler import Scheduler
from pickbay.engine.tenancy import Tenancy
from pickbay.store.db import Database


class Runtime:
    """Everything one pickbay process holds; dialects and the CLI reach the engine through it."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.backplane = backplane_for(settings.redis_url)
        self.relay = EventRelay(self.db, self.backplane, poll_interval=settings.relay_poll_seconds)
        self.clock = ClockService(self.db, clock)
        self.scheduler = Scheduler(self.db, self.clock)
        self.tenancy = Tenancy(self.db, self.clock)
        self.pickup = PickupService(
            self.db,
            self.clock,
            self.scheduler,
            Policy(
                preparation_days=settings.preparation_days,
                pickup_expiry_days=settings.pickup_expiry_days,
            ),
            demo_scripts=settings.demo_scripts,
        )
        self.accounts = Accounts(self.db, self.clock)
        self.itempath = LiftService(
            self.db,
            self.clock,
            self.scheduler,
            Timing(
                import_seconds=settings.itempath_import_seconds,
                line_seconds=settings.itempath_line_seconds,
                auto_process=settings.itempath_auto_process,
            ),
        )

    async def start(self) -> None:
        """Migrate, load the clock, add the sandbox credentials and stock, start the workers."""
        await self.db.migrate()
        await self.backplane.start()
        await self.relay.start()
        await self.clock.load()
        if self.settings.dev_api_key:
            await self.tenancy.add_key("dev", self.settings.dev_api_key)
        await self.accounts.start(self.settings.itempath_admin_password)
        if self.settings.itempath_sandbox_materials:
            await self.itempath.seed_materials()
        if self.settings.scheduler:
            self.scheduler.start()

    async def stop(self) -> None:
        """Stop the scheduler and the relay, close the backplane and the database."""
        await self.scheduler.stop()
        await self.relay.stop()
        await self.backplane.close()
        await self.db.dispose()
