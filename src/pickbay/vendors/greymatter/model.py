"""GreyMatter service requests: picks and puts on a goods-to-person floor, as pure data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pickbay.core.errors import InvalidInput
from pickbay.core.events import Event
from pickbay.core.lifecycle import Lifecycle
from pickbay.core.timers import TimerKind, TimerRequest
from pickbay.vendors.greymatter.filters import Filter, parse_filter
from pickbay.vendors.greymatter.notifications import notification, notification_data

NAME = "greymatter"

# Event types; those with a `notification` payload become webhooks.
CREATED = "service_request.created"
INFORMATION = "service_request.information"
MODIFICATION = "service_request.modification"
BIN_COMPLETE = "bin.complete"
STOCK_CHANGED = "stock.changed"

# The floor's steps: checking a request's stock, sending racks to free bins, a rack reaching
# its station, the operator's next pick, and a cancel or modify answered later.
CHECK_STEP = TimerKind(NAME, "check")
DISPATCH_STEP = TimerKind(NAME, "dispatch")
REACH_STEP = TimerKind(NAME, "reach")
PICK_STEP = TimerKind(NAME, "pick")
TRANSACTION_STEP = TimerKind(NAME, "transaction")


class RequestType(StrEnum):
    """The type of a top-level service request."""

    PICK = "PICK"
    PUT = "PUT"

    @property
    def line_type(self) -> str:
        """The type of its child lines."""
        return f"{self.value}_LINE"


class State(StrEnum):
    """The fine-grained state of a service request (both lifecycles)."""

    CREATED = "created"
    FULFILLABLE = "fulfillable"
    NOT_FULFILLABLE = "not_fulfillable"
    CANCELLATION_LOCKED = "cancellation_locked"
    PICK_STARTED = "pick_started"
    COMPLETE = "complete"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"
    STAGE_REQUESTED = "stage_requested"
    STAGED = "staged"
    RELEASED = "released"


class Trigger(StrEnum):
    """What moves a service request on."""

    BLOCK = "block"  # inventory available and blocked
    REFUSE = "refuse"  # inventory not available
    REACH = "reach"  # the first rack reached a station
    PICK = "pick"  # a pick (or put) transaction
    FINISH = "finish"  # every line done
    ABANDON = "abandon"  # done, but short
    CANCEL = "cancel"
    MODIFY = "modify"
    STAGE = "stage"
    RELEASE = "release"


S, T = State, Trigger
PICK_LIFECYCLE: Lifecycle[State, Trigger] = Lifecycle(
    "pick service request",
    [
        ([S.CREATED], T.BLOCK, S.FULFILLABLE),
        ([S.CREATED], T.REFUSE, S.NOT_FULFILLABLE),
        ([S.FULFILLABLE], T.REACH, S.CANCELLATION_LOCKED),
        ([S.CANCELLATION_LOCKED, S.PICK_STARTED], T.PICK, S.PICK_STARTED),
        ([S.PICK_STARTED], T.FINISH, S.COMPLETE),
        ([S.PICK_STARTED], T.ABANDON, S.ABANDONED),
        ([S.CREATED, S.FULFILLABLE], T.CANCEL, S.CANCELLED),
        ([S.CREATED, S.FULFILLABLE], T.MODIFY, S.CREATED),
    ],
)
PUT_LIFECYCLE: Lifecycle[State, Trigger] = Lifecycle(
    "put service request",
    [
        ([S.CREATED], T.BLOCK, S.STAGE_REQUESTED),
        ([S.STAGE_REQUESTED], T.STAGE, S.STAGED),
        ([S.STAGED], T.PICK, S.STAGED),
        ([S.STAGED], T.FINISH, S.COMPLETE),
        ([S.COMPLETE], T.RELEASE, S.RELEASED),
        ([S.CREATED], T.CANCEL, S.CANCELLED),
        ([S.CREATED], T.MODIFY, S.CREATED),
    ],
)
LIFECYCLES = {RequestType.PICK: PICK_LIFECYCLE, RequestType.PUT: PUT_LIFECYCLE}

STATUS = {
    S.CREATED: "CREATED",
    S.FULFILLABLE: "PROCESSING",
    S.CANCELLATION_LOCKED: "PROCESSING",
    S.PICK_STARTED: "PROCESSING",
    S.STAGE_REQUESTED: "PROCESSING",
    S.STAGED: "PROCESSING",
    S.COMPLETE: "PROCESSED",
    S.RELEASED: "PROCESSED",
    S.NOT_FULFILLABLE: "FAILED",
    S.CANCELLED: "CANCELLED",
    S.ABANDONED: "CANCELLED",
}
# Cancel and modify are refused from the moment a rack reaches a station.
CHANGEABLE = frozenset({S.CREATED, S.FULFILLABLE})
# States in which the floor holds the request at a station bin.
AT_STATION = frozenset({S.CANCELLATION_LOCKED, S.PICK_STARTED, S.STAGED})
FINAL = frozenset({S.COMPLETE, S.RELEASED, S.NOT_FULFILLABLE, S.CANCELLED, S.ABANDONED})

PRIORITIES = ("critical", "high", "normal", "low")  # most urgent first
EXCEPTIONS = ("item_missing", "physically_damaged", "unscannable")
# The order options the floor fills in when it takes a request (as in every notification).
DEFAULT_ORDER_OPTIONS: dict[str, Any] = {
    "invoice_needed": "false",
    "auto_release": "true",
    "doc_ready": "false",
    "bintags": [],
    "checklist": "false",
    "case_pick_allowed": "true",
    "open_case_pick_allowed": "true",
}
USER_NAME = "default_user_name"


# ---------------------------------------------------------------------- stock


@dataclass
class Slot:
    """Stock of one product (one set of attribute values) on the floor's racks."""

    id: int
    attributes: dict[str, str]
    quantity: int
    blocked: int = 0
    subpack: int = 1  # eaches per subpack; 1 means the product comes loose

    @property
    def available(self) -> int:
        """What is neither picked nor promised."""
        return self.quantity - self.blocked


# ---------------------------------------------------------------------- requests


@dataclass
class Container:
    """One container of expectations or actuals: products, and a state for actuals."""

    id: int
    products: list[dict[str, Any]]
    created_at: datetime
    state: str | None = None
    attributes: dict[str, Any] | None = None  # containerAttributes of exception containers


@dataclass
class Line:
    """A PICK_LINE or PUT_LINE: one product expectation and what happened to it."""

    id: int
    external_id: str
    quantity: int
    product_attributes: dict[str, Any]
    expectations: list[Container]
    created_at: datetime
    updated_at: datetime
    state: str = "CREATED"
    status: str = "CREATED"
    actuals: list[Container] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    done: int = 0  # eaches picked (or put)
    short: int = 0  # eaches that will never come: missing with no other stock left
    blocks: list[list[int]] = field(default_factory=list)  # [slot id, eaches] still promised

    @property
    def filters(self) -> list[Filter]:
        """The parsed filter_parameters (validated when the line was accepted)."""
        raw = self.product_attributes.get("filter_parameters") or []
        return [parse_filter(x) for x in raw]

    @property
    def remaining(self) -> int:
        """Eaches still to pick or put."""
        return self.quantity - self.done - self.short

    def product_values(self) -> dict[str, str]:
        """The exact product of a put line: pdfa_values, or the `=` filters."""
        values = self.product_attributes.get("pdfa_values")
        if isinstance(values, dict):
            return {str(k): str(v) for k, v in values.items()}
        return {f.key: f.values[0] for f in self.filters}


@dataclass
class ServiceRequest:
    """A top-level service request; every change appends to `events` (and maybe `timers`)."""

    id: int
    external_id: str
    kind: RequestType
    lines: list[Line]
    attributes: dict[str, Any] | None
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    state: State = State.CREATED
    actuals: list[Container] = field(default_factory=list)  # exceptions, order-wide
    pps_id: int | None = None
    bin_id: int | None = None
    row_id: int | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list)
    timers: list[TimerRequest] = field(default_factory=list)

    # ------------------------------------------------------------------ queries

    @property
    def status(self) -> str:
        """The coarse status of the state."""
        return STATUS[self.state]

    @property
    def lifecycle(self) -> Lifecycle[State, Trigger]:
        """The transition table of this request's kind."""
        return LIFECYCLES[self.kind]

    @property
    def priority(self) -> str:
        """simple_priority, normal unless given."""
        return str((self.attributes or {}).get("simple_priority") or "normal")

    def line(self, external_id: str) -> Line:
        """The line with this externalServiceRequestId; InvalidInput if none."""
        for line in self.lines:
            if line.external_id == external_id:
                return line
        raise InvalidInput(
            {"externalServiceRequestId": [f"{self.external_id} has no line '{external_id}'."]}
        )

    def next_line(self) -> Line | None:
        """The first line with eaches still to pick or put."""
        return next((x for x in self.lines if x.remaining > 0), None)

    # ------------------------------------------------------------------ changes

    def _move(self, trigger: Trigger, now: datetime) -> None:
        self.state = self.lifecycle.next(self.state, trigger)
        self.updated_at = now

    def inform(self, now: datetime, reason: str, *, shown: str | None = None) -> None:
        """Record an order_information notification of the request as it is now (`shown`:
        the request-level state the notification tells, if not its own)."""
        self.events.append(
            Event(
                INFORMATION,
                now,
                {
                    "id": self.id,
                    "externalServiceRequestId": self.external_id,
                    "state": self.state.value,
                    "reason": reason,
                    "notification": notification(
                        "order_information", notification_data(self, shown)
                    ),
                },
            )
        )

    def block(
        self,
        now: datetime,
        slots: dict[int, list[Slot]],
        station: tuple[int, int] | None = None,
    ) -> bool:
        """Check and block inventory (`slots`: each line's matching stock); True if it could.

        A put needs no stock: it asks for a rack to be staged. A pick given a free `station`
        (ppsId, ppsBinId) takes that bin at once, and its fulfillable notification names it.
        """
        self._set_defaults()
        if self.kind is RequestType.PUT:
            self._move(Trigger.BLOCK, now)
            self._line_state("fulfillable", now)
            self.inform(now, "stage_requested")
            return True
        plan = _plan_blocks(self.lines, slots)
        # The request runs as an execution from its check on, fulfillable or not (the
        # vendor's unfulfillable example carries `execution_id` too).
        self.attributes = {**(self.attributes or {}), "execution_id": self.id}
        if plan is None:
            self._move(Trigger.REFUSE, now)
            self._line_state("undefined", now, status="FAILED")
            self.inform(now, "not_fulfillable")
            return False
        for line, blocks in zip(self.lines, plan, strict=True):
            line.blocks = [[slot.id, eaches] for slot, eaches in blocks]
            for slot, eaches in blocks:
                slot.blocked += eaches
        self._move(Trigger.BLOCK, now)
        self._line_state("fulfillable", now)
        if station is not None:
            self._take_bin(*station)
        self.inform(now, "fulfillable")
        return True

    def _take_bin(self, pps_id: int, bin_id: int | None) -> None:
        self.pps_id, self.bin_id = pps_id, bin_id
        attributes = dict(self.attributes or {})
        if bin_id is not None:
            attributes["pps_bin_id"] = str(bin_id)
        attributes["pps_id"] = str(pps_id)
        self.attributes = attributes

    def _leave_bin(self) -> None:
        """Hold no station bin any more, and name none (as the seed's notification after a
        cancellation names none)."""
        self.pps_id = self.bin_id = None
        if self.attributes:
            self.attributes = {
                k: v for k, v in self.attributes.items() if k not in ("pps_id", "pps_bin_id")
            }

    def reach(self, now: datetime, pps_id: int, bin_id: int | None) -> None:
        """The first rack reaches station `pps_id` (a pick fills bin `bin_id` there)."""
        trigger = Trigger.STAGE if self.kind is RequestType.PUT else Trigger.REACH
        self._move(trigger, now)
        self._take_bin(pps_id, bin_id)
        self.inform(now, self.state.value)

    def pick(
        self, line: Line, now: datetime, slots: dict[int, Slot], ids: Iterator[int], limit: int
    ) -> int:
        """One pick transaction on `line`, at most `limit` eaches from its next block.

        Loose products come as items; a product in subpacks comes as whole subpacks while
        they fit, then as items. Returns the eaches picked.
        """
        first = self._transact(now)
        if not line.blocks or line.remaining <= 0:
            raise InvalidInput({"quantity": [f"Line '{line.external_id}' has nothing to pick."]})
        slot_id, promised = line.blocks[0]
        slot = slots[slot_id]
        want = min(limit, promised, line.remaining)
        if slot.subpack > 1 and want >= slot.subpack:
            count = want // slot.subpack
            eaches, package = count * slot.subpack, "subpack"
        else:
            count, eaches, package = want, want, "item"
        if eaches <= 0:
            raise InvalidInput({"quantity": ["The quantity must be at least 1."]})
        slot.quantity -= eaches
        slot.blocked -= eaches
        line.blocks[0][1] -= eaches
        if line.blocks[0][1] == 0:
            line.blocks.pop(0)
        line.done += eaches
        line.updated_at = now
        line.actuals.append(
            Container(
                next(ids),
                [_product(next(ids), eaches, slot.attributes, package, count, now)],
                now,
                state="complete",
            )
        )
        self._after_transaction(now, first)
        return eaches

    def put(self, line: Line, now: datetime, slot: Slot, ids: Iterator[int], eaches: int) -> None:
        """One put transaction: `eaches` of the line's product go onto a rack."""
        first = self._transact(now)
        if eaches <= 0 or eaches > line.remaining:
            raise InvalidInput(
                {"quantity": [f"Line '{line.external_id}' takes 1 to {line.remaining} more."]}
            )
        slot.quantity += eaches
        line.done += eaches
        line.updated_at = now
        line.actuals.append(
            Container(
                next(ids),
                [_product(next(ids), eaches, slot.attributes, "item", eaches, now)],
                now,
                state="complete",
            )
        )
        self._after_transaction(now, first)

    def exception(
        self,
        line: Line,
        kind: str,
        eaches: int,
        now: datetime,
        slots: dict[int, Slot],
        others: list[Slot],
        ids: Iterator[int],
    ) -> None:
        """The operator reports `eaches` of the line's next slot as missing, damaged or
        unscannable: they leave the stock, and the line is re-blocked on `others` (the other
        matching slots) as far as they reach; what they cannot cover is short."""
        first = self._transact(now)
        if kind not in EXCEPTIONS:
            raise InvalidInput({"type": [f"The type must be one of {', '.join(EXCEPTIONS)}."]})
        if not line.blocks:
            raise InvalidInput({"quantity": [f"Line '{line.external_id}' has nothing to pick."]})
        slot_id, promised = line.blocks[0]
        if eaches <= 0 or eaches > promised:
            raise InvalidInput({"quantity": [f"The quantity must be 1 to {promised}."]})
        slot = slots[slot_id]
        slot.quantity -= eaches
        slot.blocked -= eaches
        line.blocks[0][1] -= eaches
        if line.blocks[0][1] == 0:
            line.blocks.pop(0)
        need = eaches
        for other in others:  # the count was wrong: what else the floor holds, this slot too
            take = min(need, other.available)
            if take > 0:
                other.blocked += take
                held = next((b for b in line.blocks if b[0] == other.id), None)
                if held is None:
                    line.blocks.append([other.id, take])
                else:
                    held[1] += take
                need -= take
        line.short += need
        product: dict[str, Any] = {"productQuantity": eaches}
        if kind != "unscannable":  # an unreadable barcode names no product
            # Whole subpacks are counted as subpacks, as in the seed's examples.
            whole = slot.subpack > 1 and eaches % slot.subpack == 0
            package, count = ("subpack", eaches // slot.subpack) if whole else ("item", eaches)
            product = _product(next(ids), eaches, slot.attributes, package, count, now)
        self.actuals.append(Container(next(ids), [product], now, state=kind, attributes={}))
        self._after_transaction(now, first)

    def cancel(self, now: datetime, slots: dict[int, Slot]) -> None:
        """Cancel (before a rack reached a station), giving back what was blocked."""
        self._move(Trigger.CANCEL, now)
        self._release(slots)
        self._leave_bin()
        self.inform(now, "cancelled")

    def begin_modify(self, now: datetime, slots: dict[int, Slot]) -> None:
        """Take the request back to `created`, releasing its stock, to apply a change."""
        self._move(Trigger.MODIFY, now)
        self._release(slots)
        self._leave_bin()

    def release(self, now: datetime) -> None:
        """A completed put leaves its station."""
        self._move(Trigger.RELEASE, now)
        self.inform(now, "released")

    def modification(self, now: datetime, transaction: int, action: str, ok: bool) -> None:
        """Record the order_modification answer to a cancel or modify transaction."""
        self.events.append(
            Event(
                MODIFICATION,
                now,
                {
                    "id": self.id,
                    "externalServiceRequestId": self.external_id,
                    "transaction": transaction,
                    "action": action,
                    "state": "success" if ok else "failure",
                    "notification": notification(
                        "order_modification",
                        {"id": transaction, "state": "success" if ok else "failure"},
                    ),
                },
            )
        )

    # ------------------------------------------------------------------ internals

    def _set_defaults(self) -> None:
        attributes = dict(self.attributes or {})
        options = attributes.get("order_options")
        options = dict(options) if isinstance(options, dict) else {}
        attributes["order_options"] = {**DEFAULT_ORDER_OPTIONS, **options}
        self.attributes = attributes

    def _line_state(self, state: str, now: datetime, status: str = "PROCESSING") -> None:
        for line in self.lines:
            line.state, line.status, line.updated_at = state, status, now

    def _transact(self, now: datetime) -> bool:
        """A pick or put transaction at the station; True if it is the request's first."""
        first = self.state is not State.PICK_STARTED
        self._move(Trigger.PICK, now)  # InvalidTransition unless a rack is at the station
        self.attributes = {
            **(self.attributes or {}),
            "pps_seat_name": f"front_{self.pps_id}",
            "user_name": USER_NAME,
        }
        return first

    def _after_transaction(self, now: datetime, first: bool) -> None:
        """One notification per transaction; the last one carries the final state (and the
        first one also tells pick_started when it is the last)."""
        if self.next_line() is not None or (first and self.kind is RequestType.PICK):
            # The first transaction tells pick_started; the item-picked notifications after
            # it tell "fulfillable", as the seed's examples of them do.
            picking = self.kind is RequestType.PICK and not first
            self.inform(now, "pick", shown="fulfillable" if picking else None)
        if self.next_line() is not None:
            return
        short = any(line.short for line in self.lines)
        self._move(Trigger.ABANDON if short else Trigger.FINISH, now)
        if not short:
            self._line_state("complete", now, status="PROCESSED")
        self.inform(now, self.state.value)
        if self.bin_id is not None and self.kind is RequestType.PICK:
            self.events.append(
                Event(
                    BIN_COMPLETE,
                    now,
                    {
                        "id": self.id,
                        "ppsId": self.pps_id,
                        "ppsBinId": self.bin_id,
                        "notification": notification(
                            "bin_complete",
                            {
                                "ppsId": self.pps_id,
                                "ppsBinId": str(self.bin_id),
                                "serviceRequests": [notification_data(self)],
                            },
                        ),
                    },
                )
            )

    def _release(self, slots: dict[int, Slot]) -> None:
        for line in self.lines:
            for slot_id, eaches in line.blocks:
                slots[slot_id].blocked -= eaches
            line.blocks = []


def _plan_blocks(lines: list[Line], slots: dict[int, list[Slot]]) -> list[Any] | None:
    """Which slots each line takes its eaches from (first fit), or None if stock is short."""
    left: dict[int, int] = {}
    plan: list[list[tuple[Slot, int]]] = []
    for line in lines:
        need, blocks = line.quantity, []
        for slot in slots.get(line.id, []):
            free = left.setdefault(slot.id, slot.available)
            take = min(need, free)
            if take > 0:
                blocks.append((slot, take))
                left[slot.id] = free - take
                need -= take
            if need == 0:
                break
        if need > 0:
            return None
        plan.append(blocks)
    return plan


def _product(
    product_id: int,
    eaches: int,
    attributes: dict[str, str],
    package: str,
    count: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": product_id,
        "productQuantity": eaches,
        "productAttributes": {
            "pdfa_values": dict(attributes),
            "package_name": package,
            "package_count": count,
        },
        "createdOn": now.isoformat(),
    }


@dataclass(frozen=True)
class NewLine:
    """A child line as posted."""

    external_id: str
    quantity: int
    product_attributes: dict[str, Any]


def new_line(new: NewLine, ids: Iterator[int], now: datetime) -> Line:
    """A posted line as the floor holds it, its ids (line, container, product) from `ids`."""
    line_id, container_id, product_id = next(ids), next(ids), next(ids)
    product = {
        "id": product_id,
        "productQuantity": new.quantity,
        "productAttributes": new.product_attributes,
        "createdOn": now.isoformat(),
    }
    return Line(
        id=line_id,
        external_id=new.external_id,
        quantity=new.quantity,
        product_attributes=new.product_attributes,
        expectations=[Container(container_id, [product], now)],
        created_at=now,
        updated_at=now,
    )
