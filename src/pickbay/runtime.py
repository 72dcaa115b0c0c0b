"""The running engine: database, clock, scheduler and services, started and stopped together."""

from __future__ import annotations

from pickbay.bus.backplane import backplane_for
from pickbay.bus.feed import Feed
from pickbay.bus.relay import EventRelay
from pickbay.config import Settings
from pickbay.core.clock import Clock
from pickbay.engine.accounts import Accounts
from pickbay.engine.board import Board
from pickbay.engine.clock import ClockService
from pickbay.engine.scheduler import Scheduler
from pickbay.engine.tenancy import Tenancy
from pickbay.store.db import Database
from pickbay.vendors.greymatter import model as greymatter
from pickbay.vendors.greymatter.service import Floor, FloorService
from pickbay.vendors.itempath.service import LiftService, Timing
from pickbay.vendors.pickup_cloud.model import Policy
from pickbay.vendors.pickup_cloud.service import PickupService
from pickbay.webhooks.dispatcher import Format, WebhookDispatcher
from pickbay.webhooks.subscriptions import Webhooks

# The dialects whose events make webhook notifications, and how.
WEBHOOK_FORMATS: dict[str, Format] = {"greymatter": greymatter.webhook_body}


class Runtime:
    """Everything one pickbay process holds; dialects and the CLI reach the engine through it."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.backplane = backplane_for(settings.redis_url)
        self.relay = EventRelay(self.db, self.backplane, poll_interval=settings.relay_poll_seconds)
        self.feed = Feed(self.relay)
        self.board = Board(self.db, self.feed)
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

        self.greymatter = FloorService(
            self.db,
            self.clock,
            self.scheduler,
            Floor(
                stations=settings.greymatter_stations,
                bins=settings.greymatter_bins,
                check_seconds=settings.greymatter_check_seconds,
                rack_seconds=settings.greymatter_rack_seconds,
                pick_seconds=settings.greymatter_pick_seconds,
                auto=settings.greymatter_auto,
            ),
        )
        self.dispatcher = WebhookDispatcher(
            self.db,
            self.clock,
            self.relay,
            WEBHOOK_FORMATS,
            retry_seconds=settings.webhook_retry_seconds,
            retry_max_seconds=settings.webhook_retry_max_seconds,
            timeout_seconds=settings.webhook_timeout_seconds,
        )
        self.webhooks = Webhooks(
            self.db, self.clock, lambda: set(WEBHOOK_FORMATS), self.dispatcher.wake
        )

    async def start(self) -> None:
        """Migrate, load the clock, add the sandbox credentials and stock, start the workers."""
        await self.db.migrate()
        await self.backplane.start()
        await self.relay.start()
        self.feed.start()
        await self.clock.load()
        if self.settings.dev_api_key:
            await self.tenancy.add_key("dev", self.settings.dev_api_key)
        await self.accounts.start(self.settings.itempath_admin_password)
        if self.settings.itempath_sandbox_materials:
            await self.itempath.seed_materials()
        if self.settings.greymatter_sandbox_stock:
            await self.greymatter.seed_stock()
        if self.settings.webhooks:
            await self.dispatcher.start()
        if self.settings.scheduler:
            self.scheduler.start()

    async def stop(self) -> None:
        """Stop the scheduler, webhooks and relay; close the backplane and the database."""
        await self.scheduler.stop()
        await self.dispatcher.stop()
        self.feed.close()
        await self.relay.stop()
        await self.backplane.close()
        await self.db.dispose()
