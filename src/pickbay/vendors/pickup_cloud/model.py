"""Pickup Cloud orders: one-time, on-behalf-of and recurrent pickup orders and their articles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pickbay.core.errors import InvalidInput, InvalidTransition
from pickbay.core.events import Event
from pickbay.core.lifecycle import Lifecycle
from pickbay.core.timers import TimerKind, TimerRequest
from pickbay.vendors.pickup_cloud.demo_script import DemoScript, ScriptAction

Pack = dict[str, Any]
PackFactory = Callable[["PickupOrder", "Article", int], Pack]
"""Makes the details of pack number n (0-based) of an article, as the robot would report them."""


class PickupState(StrEnum):
    """Order and article states, as the vendor spells them."""

    SCHEDULED = "SCHEDULED"
    READYFORINPUT = "READYFORINPUT"
    READYFORPICKUP = "READYFORPICKUP"
    PICKEDUP = "PICKEDUP"
    CANCELED = "CANCELED"


class ArticleTrigger(StrEnum):
    """What moves an article."""

    PREPARE = "prepare"
    STORE = "complete input"
    PICK_UP = "pick up"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"


class OrderKind(StrEnum):
    """How the order was created."""

    ONE_TIME = "one-time"
    ON_BEHALF_OF = "on-behalf-of"
    RECURRENT = "recurrent"


S = PickupState
ARTICLE_LIFECYCLE: Lifecycle[PickupState, ArticleTrigger] = Lifecycle(
    "Pickup Cloud article",
    [
        ([S.SCHEDULED], ArticleTrigger.PREPARE, S.READYFORINPUT),
        ([S.READYFORINPUT], ArticleTrigger.STORE, S.READYFORPICKUP),
        ([S.READYFORPICKUP], ArticleTrigger.PICK_UP, S.PICKEDUP),
        ([S.PICKEDUP], ArticleTrigger.RESCHEDULE, S.SCHEDULED),
        ([S.SCHEDULED, S.READYFORINPUT, S.READYFORPICKUP], ArticleTrigger.CANCEL, S.CANCELED),
    ],
)

# The order shows the state of its least advanced open article.
_ORDER_STATE_PRECEDENCE = (
    S.READYFORINPUT,
    S.READYFORPICKUP,
    S.SCHEDULED,
    S.PICKEDUP,
    S.CANCELED,
)

NAME = "pickup_cloud"

ORDER_STATE_CHANGED = "order.state_changed"
ARTICLE_STATE_CHANGED = "article.state_changed"
ORDER_UPDATED = "order.updated"

# The steps an order plans: a demo script's step, a recurrent article's preparation and due
# date, and the expiry of an uncollected order.
SCRIPT_STEP = TimerKind(NAME, "script")
PREPARE_STEP = TimerKind(NAME, "prepare")
DUE_STEP = TimerKind(NAME, "due")
EXPIRE_STEP = TimerKind(NAME, "expire")

EXPIRED_REASON = "Expired"


def derive_order_state(states: list[PickupState]) -> PickupState:
    """The order state implied by its articles' states."""
    for candidate in _ORDER_STATE_PRECEDENCE:
        if candidate in states:
            return candidate
    raise ValueError("an order has at least one article")


def iso(t: datetime | None) -> str | None:
    """ISO 8601 text of an aware time, for event payloads."""
    return None if t is None else t.isoformat()


@dataclass
class Article:
    """One ordered article; `packs` are the packs stored for its current iteration."""

    scan_code: str
    name: str
    quantity: int
    state: PickupState
    interval: int | None = None
    due_date: datetime | None = None
    iteration: int = 0
    state_changed_at: datetime | None = None
    packs: list[Pack] = field(default_factory=list)
    picked_up: list[Pack] = field(default_factory=list)

    @property
    def missing_packs(self) -> int:
        """How many packs still have to be input for this iteration."""
        return max(0, self.quantity - len(self.packs))


@dataclass
class Policy:
    """Site settings the lifecycle depends on."""

    preparation_days: int = 1
    pickup_expiry_days: int = 14


@dataclass
class PickupOrder:
    """A pickup order; every method that changes it records events and timer requests."""

    tenant: str
    kind: OrderKind
    order_number: str
    pickup_code: str
    storage_code: str
    created_at: datetime
    articles: list[Article]
    state: PickupState
    related_notes: str | None = None
    dosage_information: str | None = None
    send_customer_pickup_mail: bool = False
    customer_self_registration: bool = False
    customer_details: dict[str, Any] | None = None
    origin: str | None = None
    origin_order_number: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    last_update_at: datetime | None = None
    picked_up_at: datetime | None = None
    canceled_at: datetime | None = None
    first_input_at: datetime | None = None
    is_overdue: bool = False
    cancellation_reason: str = ""
    row_id: int | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)
    timers: list[TimerRequest] = field(default_factory=list, repr=False)

    # ---------------------------------------------------------------- creation

    @classmethod
    def create(
        cls,
        *,
        tenant: str,
        kind: OrderKind,
        order_number: str,
        pickup_code: str,
        storage_code: str,
        now: datetime,
        articles: list[tuple[str, str, int, int | None]],
        policy: Policy,
        script: DemoScript | None = None,
        **details: Any,
    ) -> PickupOrder:
        """A new order in its first state, with its creation events and first timers."""
        scheduled = kind is OrderKind.RECURRENT or (script is not None and script.schedules)
        first = S.SCHEDULED if scheduled else S.READYFORINPUT
        order = cls(
            tenant=tenant,
            kind=kind,
            order_number=order_number,
            pickup_code=pickup_code,
            storage_code=storage_code,
            created_at=now,
            state=first,
            articles=[
                Article(
                    scan_code=scan,
                    name=name,
                    quantity=qty,
                    interval=interval,
                    state=first,
                    state_changed_at=None if scheduled else now,
                )
                for scan, name, qty, interval in articles
            ],
            **details,
        )
        if kind is OrderKind.RECURRENT:
            preparation = timedelta(days=policy.preparation_days)
            for article in order.articles:
                due = article.due_date = order.due_date(article, 0)
                # An order whose preparation date has passed is open for input at once.
                if script is None and due is not None and due - preparation <= now:
                    article.state, article.state_changed_at = S.READYFORINPUT, now
            order.state = derive_order_state([a.state for a in order.articles])
        order._record_order_state(now)
        for index, article in enumerate(order.articles):
            order._record_article(article, now)
            if kind is OrderKind.RECURRENT:
                prepare = script is None and article.state is S.SCHEDULED
                order._plan_iteration(index, article, now, policy, prepare=prepare)
        if script is not None:
            for seconds, action in script.steps:
                # A step takes the time since the step before it (the robot works in turn).
                since = max((s for s, _ in script.steps if s < seconds), default=0)
                order.timers.append(
                    TimerRequest.after(
                        now + timedelta(seconds=since),
                        seconds - since,
                        SCRIPT_STEP,
                        {"step": action.value},
                    )
                )
        return order

    # ----------------------------------------------------------------- queries

    def due_date(self, article: Article, iteration: int) -> datetime | None:
        """When iteration `iteration` of a recurrent article is due (None for one-time)."""
        if self.start_date is None or article.interval is None:
            return None
        return self.start_date + timedelta(days=article.interval * iteration)

    def has_iteration(self, article: Article, iteration: int) -> bool:
        """Whether a recurrent article has that iteration before the order's end date."""
        due = self.due_date(article, iteration)
        return due is not None and self.end_date is not None and due <= self.end_date

    # ---------------------------------------------------------------- commands

    def prepare(
        self, now: datetime, index: int | None = None, iteration: int | None = None
    ) -> None:
        """Open input for scheduled articles (all, or one at a given iteration)."""
        targets = (
            list(enumerate(self.articles)) if index is None else [(index, self.articles[index])]
        )
        changed = False
        for _, article in targets:
            if iteration is not None and article.iteration != iteration:
                continue
            if article.state is S.SCHEDULED:
                self._move(article, ArticleTrigger.PREPARE, now)
                changed = True
        if not changed:
            raise InvalidTransition(
                f"order {self.order_number} has no scheduled article to prepare"
            )
        self._after_article_change(now)

    def input_pack(self, scan_code: str, pack: Pack, now: datetime, policy: Policy) -> Article:
        """Store one pack of the article with `scan_code`; completes the article when full."""
        candidates = [a for a in self.articles if a.scan_code == scan_code]
        if not candidates:
            raise InvalidInput(
                {"scanCode": [f"Order {self.order_number} has no article {scan_code}."]}
            )
        open_ = [a for a in candidates if a.state is S.READYFORINPUT and a.missing_packs > 0]
        if not open_:
            raise InvalidTransition(
                f"article {scan_code} of order {self.order_number} is not ready for input"
            )
        article = open_[0]
        stored = {**pack, "scanCode": scan_code}
        article.packs.append(stored)
        if self.first_input_at is None:
            self.first_input_at = now
        if article.missing_packs == 0:
            self._move(article, ArticleTrigger.STORE, now, record=False)
        self._record_article(article, now, pack=stored)
        self._after_article_change(now, policy)
        return article

    def input_all(self, now: datetime, make_pack: PackFactory, policy: Policy) -> int:
        """Store every missing pack of every article ready for input; returns how many."""
        count = 0
        for article in self.articles:
            if article.state is not S.READYFORINPUT:
                continue
            for _ in range(article.missing_packs):
                self.input_pack(
                    article.scan_code, make_pack(self, article, len(article.packs)), now, policy
                )
                count += 1
        if count == 0:
            raise InvalidTransition(f"order {self.order_number} has nothing ready for input")
        return count

    def pick_up(self, now: datetime, output: Callable[[Pack], Pack], policy: Policy) -> list[Pack]:
        """The customer collects every stored article; returns the output packs."""
        if self.state is not S.READYFORPICKUP:
            raise InvalidTransition(
                f"order {self.order_number} is {self.state.value}, not READYFORPICKUP"
            )
        out: list[Pack] = []
        for index, article in enumerate(self.articles):
            if article.state is not S.READYFORPICKUP:
                continue
            self._move(article, ArticleTrigger.PICK_UP, now, record=False)
            for pack in article.packs:
                output_pack = {**pack, **output(pack)}
                article.picked_up.append(output_pack)
                out.append(output_pack)
                self._record_article(article, now, pack=output_pack)
            article.packs = []
            if self.kind is OrderKind.RECURRENT and self.has_iteration(
                article, article.iteration + 1
            ):
                article.iteration += 1
                article.due_date = self.due_date(article, article.iteration)
                self._move(article, ArticleTrigger.RESCHEDULE, now)
                self._plan_iteration(index, article, now, policy, prepare=True)
        self.picked_up_at = now
        self.is_overdue = False
        self._after_article_change(now)
        return out

    def cancel(self, now: datetime, reason: str = "") -> None:
        """Cancel every open article (API, operator or expiry)."""
        open_ = [
            a for a in self.articles if ARTICLE_LIFECYCLE.allows(a.state, ArticleTrigger.CANCEL)
        ]
        if not open_:
            raise InvalidTransition(
                f"order {self.order_number} is {self.state.value} and cannot be canceled"
            )
        for article in open_:
            self._move(article, ArticleTrigger.CANCEL, now)
        self.canceled_at = now
        self.cancellation_reason = reason
        self._after_article_change(now)

    def mark_overdue(self, now: datetime) -> bool:
        """Flag the order overdue if it is still open; returns whether anything changed."""
        if self.is_overdue or self.state in (S.PICKEDUP, S.CANCELED):
            return False
        self.is_overdue = True
        self.last_update_at = now
        self.events.append(Event(ORDER_UPDATED, now, {**self._ids(), "isOverdue": True}))
        return True

    def on_due(self, now: datetime, index: int, iteration: int) -> bool:
        """A recurrent iteration fell due: overdue if it is not collected yet."""
        article = self.articles[index]
        if article.iteration != iteration or article.state not in (
            S.READYFORINPUT,
            S.READYFORPICKUP,
            S.SCHEDULED,
        ):
            return False
        return self.mark_overdue(now)

    def expire(self, now: datetime, index: int | None, iteration: int | None) -> bool:
        """Cancel an order whose pickup window ran out; returns whether it did."""
        if index is not None:
            article = self.articles[index]
            if article.iteration != iteration or article.state not in (
                S.READYFORINPUT,
                S.READYFORPICKUP,
            ):
                return False
        elif self.state is not S.READYFORPICKUP:
            return False
        self.cancel(now, EXPIRED_REASON)
        return True

    def run_step(
        self,
        step: ScriptAction,
        now: datetime,
        make_pack: PackFactory,
        output: Callable[[Pack], Pack],
        policy: Policy,
    ) -> bool:
        """Run one demo-script step; False when the order's state makes it moot."""
        try:
            if step is ScriptAction.PREPARE:
                self.prepare(now)
            elif step is ScriptAction.INPUT:
                self.input_all(now, make_pack, policy)
            elif step is ScriptAction.PICKUP:
                self.pick_up(now, output, policy)
            elif step is ScriptAction.CANCEL:
                self.cancel(now)
            else:
                return self.mark_overdue(now)
        except InvalidTransition:
            return False
        return True

    # --------------------------------------------------------------- internals

    def _plan_iteration(
        self, index: int, article: Article, now: datetime, policy: Policy, *, prepare: bool
    ) -> None:
        due = article.due_date
        assert due is not None
        data = {"article": index, "iteration": article.iteration}
        if prepare:
            opens = max(now, due - timedelta(days=policy.preparation_days))
            self.timers.append(TimerRequest(opens, PREPARE_STEP, data))
        self.timers.append(TimerRequest(max(now, due), DUE_STEP, data))
        self.timers.append(
            TimerRequest(
                max(now, due) + timedelta(days=policy.pickup_expiry_days), EXPIRE_STEP, data
            )
        )

    def _move(
        self, article: Article, trigger: ArticleTrigger, now: datetime, record: bool = True
    ) -> None:
        article.state = ARTICLE_LIFECYCLE.next(article.state, trigger)
        article.state_changed_at = None if article.state is S.SCHEDULED else now
        if record:
            self._record_article(article, now)

    def _after_article_change(self, now: datetime, policy: Policy | None = None) -> None:
        self.last_update_at = now
        new_state = derive_order_state([a.state for a in self.articles])
        if new_state is self.state:
            return
        self.state = new_state
        self._record_order_state(now)
        if (
            new_state is S.READYFORPICKUP
            and self.kind is not OrderKind.RECURRENT
            and policy is not None
        ):
            self.timers.append(
                TimerRequest(now + timedelta(days=policy.pickup_expiry_days), EXPIRE_STEP)
            )

    def _ids(self) -> dict[str, Any]:
        return {"orderNumber": self.order_number, "pickupCode": self.pickup_code}

    def _record_order_state(self, now: datetime) -> None:
        changed = None if self.state is S.SCHEDULED else iso(now)
        self.events.append(
            Event(
                ORDER_STATE_CHANGED,
                now,
                {**self._ids(), "orderState": self.state.value, "orderStateChangedDate": changed},
            )
        )

    def _record_article(self, article: Article, now: datetime, pack: Pack | None = None) -> None:
        dto = {
            "articleId": article.scan_code,
            "requiredQuantity": article.quantity,
            "orderArticleStateChangedDate": iso(article.state_changed_at),
            "dueDate": iso(article.due_date),
            "orderArticleState": article.state.value,
        }
        self.events.append(
            Event(ARTICLE_STATE_CHANGED, now, {**self._ids(), "article": dto, "pack": pack})
        )
