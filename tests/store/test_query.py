"""ItemPath's filter grammar compiled to SQL, checked against a reference on both databases.

Every attribute, with every operator its kind allows, with values drawn from the stored data
(plus null, today and yesterday), and random conjunctions of them: the database must return
exactly the orders a plain Python reading of the grammar picks, in the order asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pickbay.core.query import Condition, Day, Kind, ListQuery, Op, Sort, Value
from pickbay.runtime import Runtime
from pickbay.vendors.itempath import repository as repo
from pickbay.vendors.itempath.http.query import ORDER_FIELDS, FieldSpec, parse_condition
from pickbay.vendors.itempath.model import Direction, LiftLine, LiftOrder, OrderStatus
from tests.conftest import T0

WORDS = ["Alpha", "alpha beta", "BETA", "gamma_1", "50%", "delta", None]
DYNAMIC = FieldSpec("COLOR", Kind.TEXT)
NAMES = [n for n in ORDER_FIELDS if n not in ("orderType",)]


def _dataset(rng: random.Random) -> list[LiftOrder]:
    orders = []
    for n in range(48):
        modified = T0 - timedelta(hours=rng.randrange(0, 60), seconds=rng.randrange(0, 60))
        deadline = rng.choice([None, T0 + timedelta(days=rng.randrange(-2, 3), hours=n % 5)])
        fields: dict[str, Any] = {f"info{i}": rng.choice(WORDS) for i in range(1, 6)}
        fields.update(
            deadline=deadline,
            warehouse_name=rng.choice(["Warehouse", None]),
            owner=rng.choice(WORDS),
            recipient=rng.choice(WORDS),
            unit=rng.choice(WORDS),
            handling_unit=rng.choice(WORDS),
            count_empty_locations=rng.random() < 0.5,
        )
        dynamic: dict[str, str | None] = {}
        color = rng.choice(["missing", None, "red", "Dark Red", "blue"])
        if color != "missing":
            dynamic["COLOR"] = color
        order = LiftOrder(
            id=f"{n:08d}-0000-0000-0000-000000000000",
            name=f"ORDER-{rng.randrange(1000):03d}-{n}",
            direction=rng.choice(list(Direction)),
            created_at=modified,
            modified_at=modified,
            lines=[LiftLine(f"L{n}", 1, "M", "S101", 1.0, modified)],
            status=rng.choice(list(OrderStatus)),
            priority=rng.randrange(1, 5),
            has_stock=rng.randrange(2),
            incomplete_allocations=rng.randrange(3),
            order_type=rng.choice([1, 3]),
            fields=fields,
            dynamic=dynamic,
        )
        orders.append(order)
    return orders


def _value_of(order: LiftOrder, cond: Condition) -> Any:
    if cond.dynamic:
        return order.dynamic.get(cond.column)
    column = cond.column
    direct: dict[str, Callable[[LiftOrder], Any]] = {
        "uuid": lambda o: o.id,
        "name": lambda o: o.name,
        "direction_type": lambda o: int(o.direction),
        "priority": lambda o: o.priority,
        "status": lambda o: o.status.value,
        "has_stock": lambda o: o.has_stock,
        "incomplete_allocations": lambda o: o.incomplete_allocations,
        "order_type": lambda o: o.order_type,
        "modified_date": lambda o: o.modified_at,
        "created_date": lambda o: o.created_at,
    }
    if column in direct:
        return direct[column](order)
    return order.fields.get(column)


def _start(day: Day) -> datetime:
    return datetime(day.day.year, day.day.month, day.day.day, tzinfo=UTC)


def _eq(actual: Any, value: Value) -> bool:
    if value is None:
        return actual is None
    if actual is None:
        return False
    if isinstance(value, Day):
        return bool(_start(value) <= actual < _start(value) + timedelta(days=1))
    return bool(actual == value)


def _matches(order: LiftOrder, cond: Condition) -> bool:
    """The grammar, read plainly: SQL's rule that null matches no negation or comparison."""
    actual = _value_of(order, cond)
    op, values = cond.op, cond.values
    if op is Op.EQ:
        return _eq(actual, values[0])
    if op is Op.OR:
        return any(_eq(actual, v) for v in values)
    if actual is None:
        return False
    if op is Op.NOT:
        return values[0] is None or not _eq(actual, values[0])
    if op is Op.NOR:
        return all(v is None or not _eq(actual, v) for v in values)
    if op in (Op.LIKE, Op.NOTLIKE):
        inside = str(values[0]).lower() in str(actual).lower()
        return inside if op is Op.LIKE else not inside
    bound = _start(values[0]) if isinstance(values[0], Day) else values[0]
    compare = {
        Op.GT: lambda a, b: a > b,
        Op.LT: lambda a, b: a < b,
        Op.GTE: lambda a, b: a >= b,
        Op.LTE: lambda a, b: a <= b,
    }[op]
    return bool(compare(actual, bound))


def _render(value: Any, spec: FieldSpec, rng: random.Random) -> str:
    kind = spec.kind
    if value is None:
        return "null"
    if kind is Kind.DATETIME:
        choice = rng.randrange(4)
        if choice == 0:
            return str(value.date())
        if choice == 1:
            return rng.choice(["today", "yesterday"])
        return value.replace(tzinfo=None).isoformat()
    if kind is Kind.BOOL:
        return "true" if value else "false"
    if spec.names is not None and rng.random() < 0.3:
        word = {number: word for word, number in spec.names.items()}[value]
        return rng.choice([word, word.upper(), word.capitalize()])
    return str(value)


def _raw_filters(name: str, spec: FieldSpec, seen: list[Any], rng: random.Random) -> list[str]:
    """Raw `[op]value` arguments for one field, covering each operator its kind allows."""
    ops = ["", "[not]", "[gt]", "[lt]", "[gte]", "[lte]", "[or]", "[nor]"]
    if spec.kind is Kind.TEXT:
        ops += ["[like]", "[notlike]", "[LIKE]"]
    raws = []
    for op in ops:
        for _ in range(3):
            value = rng.choice(seen)
            if op in ("[or]", "[nor]"):
                parts = [_render(rng.choice(seen), spec, rng) for _ in range(rng.randrange(1, 4))]
                raws.append(op + ";".join(parts))
            elif op.lower() in ("[like]", "[notlike]"):
                text = str(rng.choice([v for v in seen if v is not None] or ["a"]))
                start = rng.randrange(len(text))
                raws.append(op + text[start : start + rng.randrange(1, 4)].swapcase())
            elif op in ("[gt]", "[lt]", "[gte]", "[lte]") and value is None:
                continue
            else:
                raws.append(op + _render(value, spec, rng))
    return raws


async def test_every_filter_matches_the_reference_on_each_database(runtime: Runtime) -> None:
    rng = random.Random(20301)
    orders = _dataset(rng)
    async with runtime.db.transaction() as conn:
        for order in orders:
            await repo.insert_order(conn, order)
    checked = 0
    cases: list[tuple[str, Condition]] = []
    for name in [*NAMES, "COLOR"]:
        spec = DYNAMIC if name == "COLOR" else ORDER_FIELDS[name]
        probe = Condition(spec.column, spec.kind, Op.EQ, (None,), name == "COLOR")
        seen = [_value_of(o, probe) for o in orders]
        for raw in _raw_filters(name, spec, seen, rng):
            cond = parse_condition(name, spec, raw, T0, dynamic=name == "COLOR")
            cases.append((f"{name}={raw}", cond))
    # Conjunctions of two or three conditions, sorted on a random key, paged.
    combos = []
    for _ in range(120):
        picked = rng.sample(cases, rng.randrange(2, 4))
        combos.append(picked)
    async with runtime.db.read() as conn:
        for label, cond in cases:
            query = ListQuery(conditions=(cond,), limit=1000)
            want = sorted(o.row_id for o in orders if _matches(o, cond))
            got = sorted(o.row_id for o in await repo.list_orders(conn, query))
            assert got == want, label
            assert await repo.count_orders(conn, query) == len(want), label
            checked += 1
        for picked in combos:
            conds = tuple(c for _, c in picked)
            # Numbers and times: text order depends on each database's collation.
            key = rng.choice(["priority", "incomplete_allocations", "modified_date", "deadline"])
            descending = rng.random() < 0.5
            query = ListQuery(conditions=conds, sort=(Sort(key, descending),), limit=5, offset=1)
            matching = [o for o in orders if all(_matches(o, c) for c in conds)]
            present = [o for o in matching if _value_of(o, _col(key)) is not None]
            absent = [o for o in matching if _value_of(o, _col(key)) is None]
            # Ties break on insertion order, in the direction of the sort.
            present.sort(key=lambda o: (_value_of(o, _col(key)), o.row_id), reverse=descending)
            absent.sort(key=lambda o: o.row_id or 0, reverse=descending)
            ordered = present + absent if descending else absent + present
            want_page = [o.row_id for o in ordered][1:6]
            got_page = [o.row_id for o in await repo.list_orders(conn, query)]
            labels = " & ".join(label for label, _ in picked)
            assert got_page == want_page, f"{labels} orderBy {'-' if descending else ''}{key}"
            checked += 1
    assert checked > 600


def _col(column: str) -> Condition:
    return Condition(column, Kind.TEXT, Op.EQ, (None,))
