"""The simulated pickup robot: the pack details it reports on input and on output, and the
steps it takes on the clock (demo scripts, recurrent articles' preparation and due dates,
the expiry of uncollected orders)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from random import Random
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.engine.clock import ClockService
from pickbay.engine.faults import Faults
from pickbay.engine.scheduler import Scheduler
from pickbay.store.timers import Timer
from pickbay.vendors.pickup_cloud import repository as repo
from pickbay.vendors.pickup_cloud.demo_script import ScriptAction
from pickbay.vendors.pickup_cloud.model import (
    DUE_STEP,
    EXPIRE_STEP,
    NAME,
    PREPARE_STEP,
    SCRIPT_STEP,
    Article,
    Pack,
    PackFactory,
    PickupOrder,
    PickupState,
    Policy,
)

EXPIRY_SOURCES = (
    "Unknown",
    "AutoCalculated",
    "ManualEntry",
    "ITSystem",
    "OCR",
    "Barcode",
    "Infeed",
)
SHAPES = ("Cuboid", "Cylinder")


def _rng(*parts: object) -> Random:
    seed = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return Random(int.from_bytes(seed[:8], "big"))


def internal_id(order: PickupOrder, article: Article, n: int) -> int:
    """The robot's id for pack n of an article: unique per order, article, iteration and pack."""
    index = order.articles.index(article)
    return ((order.row_id or 0) * 100 + index) * 100_000 + article.iteration * 1000 + n + 1


def simulated_pack(order: PickupOrder, article: Article, n: int, now: datetime) -> Pack:
    """Plausible, reproducible details for pack n of an article, as a robot reports on input."""
    rng = _rng(order.storage_code, article.scan_code, article.iteration, n)
    cylinder = rng.random() < 0.2
    return {
        "internalId": internal_id(order, article, n),
        "deliveryNumber": f"DN-{rng.randrange(10**6, 10**7)}",
        "batchNumber": f"B{rng.randrange(10**5, 10**6)}",
        "externalId": f"EXT-{rng.randrange(10**8, 10**9)}",
        "serialNumber": f"{rng.getrandbits(48):012X}",
        "expiryDate": (now + timedelta(days=rng.randrange(180, 900))).date().isoformat(),
        "expiryDateSource": "Barcode",
        "scanCode": article.scan_code,
        "subItemQuantity": 0,
        "depth": rng.randrange(20, 120),
        "width": rng.randrange(20, 120),
        "height": rng.randrange(10, 80),
        "shape": "Cylinder" if cylinder else "Cuboid",
        "isInFridge": rng.random() < 0.1,
        "boxNumber": None,
        "outputDestination": None,
        "outputPoint": None,
        "labelStatus": "NotLabelled",
        "stockLocationId": "1",
        "machineLocation": "1",
    }


def completed_pack(
    order: PickupOrder, article: Article, n: int, given: dict[str, Any], now: datetime
) -> Pack:
    """Pack details an operator typed, completed with what the robot measures itself."""
    pack = simulated_pack(order, article, n, now)
    pack.update({k: v for k, v in given.items() if v is not None})
    pack["internalId"] = internal_id(order, article, n)
    return pack


def output_details(pack: Pack) -> Pack:
    """Where the robot put a pack when the customer picked it up."""
    return {"outputDestination": 1, "outputPoint": 1, "boxNumber": None}


def output_elsewhere(pack: Pack) -> Pack:
    """Where the robot put a pack when the requested output point was not operational: the
    error case the vendor names for OutputDestination ("output to a point other than the one
    requested")."""
    return {"outputDestination": 2, "outputPoint": 2, "boxNumber": None}


def pack_maker(now: datetime) -> PackFactory:
    """Simulated pack details for packs input at `now`."""
    return lambda order, article, n: simulated_pack(order, article, n, now)


class Robot:
    """The pickup robot and its calendar: each stored step runs on the order it belongs to."""

    def __init__(
        self,
        clock: ClockService,
        scheduler: Scheduler,
        policy: Policy,
        faults: Faults | None = None,
    ) -> None:
        self.clock = clock
        self.policy = policy
        self.faults = faults
        scheduler.register(SCRIPT_STEP, self._on_script)
        scheduler.register(PREPARE_STEP, self._on_prepare)
        scheduler.register(DUE_STEP, self._on_due)
        scheduler.register(EXPIRE_STEP, self._on_expire)

    async def _on_script(self, conn: AsyncConnection, timer: Timer) -> None:
        step = ScriptAction(timer.payload["step"])
        output: Callable[[Pack], Pack] = output_details
        if step is ScriptAction.PICKUP:
            output = await self._output(conn, timer)
        await self._step(
            conn,
            timer,
            lambda o, now: o.run_step(step, now, pack_maker(now), output, self.policy),
        )

    async def _output(self, conn: AsyncConnection, timer: Timer) -> Callable[[Pack], Pack]:
        """Where a pickup's packs go: another output point if a `wrong_output` fault fires."""
        if self.faults is None or not self.faults.active or timer.order_id is None:
            return output_details
        order = await repo.load(conn, timer.order_id)
        if order is None or order.state is not PickupState.READYFORPICKUP:
            return output_details
        fault = await self.faults.at_pick(conn, NAME, order.tenant, timer.order_id)
        return output_details if fault is None else output_elsewhere

    async def _on_prepare(self, conn: AsyncConnection, timer: Timer) -> None:
        index, iteration = timer.payload["article"], timer.payload["iteration"]

        def prepare(order: PickupOrder, now: datetime) -> bool:
            article = order.articles[index]
            if article.iteration != iteration or article.state is not PickupState.SCHEDULED:
                return False
            order.prepare(now, index, iteration)
            return True

        await self._step(conn, timer, prepare)

    async def _on_due(self, conn: AsyncConnection, timer: Timer) -> None:
        await self._step(
            conn,
            timer,
            lambda o, now: o.on_due(now, timer.payload["article"], timer.payload["iteration"]),
        )

    async def _on_expire(self, conn: AsyncConnection, timer: Timer) -> None:
        await self._step(
            conn,
            timer,
            lambda o, now: o.expire(
                now, timer.payload.get("article"), timer.payload.get("iteration")
            ),
        )

    async def _step(
        self, conn: AsyncConnection, timer: Timer, change: Callable[[PickupOrder, datetime], bool]
    ) -> None:
        if timer.order_id is None:
            return
        order = await repo.load(conn, timer.order_id)
        if order is None:
            return
        if change(order, self.clock.now()):
            await repo.update_order(conn, order)
