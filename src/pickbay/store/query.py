"""Compile list conditions (core.query) to SQL: every filter runs in the database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)

from pickbay.core.query import Condition, Day, Op, Sort, Value

_COMPARE = {
    Op.GT: lambda c, v: c > v,
    Op.LT: lambda c, v: c < v,
    Op.GTE: lambda c, v: c >= v,
    Op.LTE: lambda c, v: c <= v,
}


def _midnight(day: Day) -> datetime:
    return datetime.combine(day.day, time(), tzinfo=UTC)


def _equals(col: ColumnElement[Any], value: Value) -> ColumnElement[bool]:
    if value is None:
        return col.is_(None)
    if isinstance(value, Day):
        start = _midnight(value)
        return and_(col >= start, col < start + timedelta(days=1))
    return col == value


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def condition(col: ColumnElement[Any], cond: Condition) -> ColumnElement[bool]:
    """SQL for one condition on `col`, with SQL's rule that NULL matches no negation."""
    op, values = cond.op, cond.values
    if op is Op.EQ:
        return _equals(col, values[0])
    if op is Op.NOT:
        value = values[0]
        if value is None:
            return col.is_not(None)
        return and_(col.is_not(None), not_(_equals(col, value)))
    if op in _COMPARE:
        value = values[0]
        if value is None:
            return false()
        bound = _midnight(value) if isinstance(value, Day) else value
        # A bound parameter, not a bare value: `col > true` is SQL, `col > True` is refused.
        return and_(col.is_not(None), _COMPARE[op](col, literal(bound, col.type)))
    if op is Op.OR:
        return or_(*(_equals(col, v) for v in values))
    if op is Op.NOR:
        # [nor]a;b is NOT IN (a, b): null rows never match it, "null" in the list or not.
        return and_(col.is_not(None), *(not_(_equals(col, v)) for v in values if v is not None))
    pattern = _like_pattern(str(values[0]))
    matched = func.lower(col).like(pattern, escape="\\")
    if op is Op.LIKE:
        return matched
    return and_(col.is_not(None), not_(matched))


Computed = dict[str, ColumnElement[Any]]


def _column(table: Table, name: str, computed: Computed | None) -> ColumnElement[Any]:
    if computed is not None and name in computed:
        return computed[name]
    return table.c[name]


def where(
    table: Table,
    conditions: tuple[Condition, ...],
    *,
    fields: Table | None = None,
    key: str = "order_id",
    computed: Computed | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses for `table` (or `computed` expressions named like columns).

    Dynamic conditions look up rows of `fields` by `key`.
    """
    clauses: list[ColumnElement[bool]] = []
    for cond in conditions:
        if not cond.dynamic:
            clauses.append(condition(_column(table, cond.column, computed), cond))
            continue
        assert fields is not None
        own = and_(fields.c[key] == table.c[key], fields.c.name == cond.column)
        clause: ColumnElement[bool] = exists(select(1).where(own, condition(fields.c.value, cond)))
        if cond.op in (Op.EQ, Op.OR) and None in cond.values:
            # A field that was never set reads as null, like a set one holding null.
            clause = or_(clause, ~exists(select(1).where(own)))
        clauses.append(clause)
    return clauses


def order_by(
    table: Table, sort: tuple[Sort, ...], tie: str, computed: Computed | None = None
) -> list[ColumnElement[Any]]:
    """ORDER BY for `sort`, ending with `tie` so pages never overlap.

    NULLs sort first going up and last going down on every database. The tie-break follows
    the direction of the last key, so one index scanned forwards or backwards serves it all.
    """
    keys: list[ColumnElement[Any]] = []
    for s in sort:
        col = _column(table, s.column, computed)
        key = col.desc() if s.descending else col.asc()
        if getattr(col, "nullable", False):
            key = key.nulls_last() if s.descending else key.nulls_first()
        keys.append(key)
    tie_col = table.c[tie]
    keys.append(tie_col.desc() if sort and sort[-1].descending else tie_col.asc())
    return keys


S = TypeVar("S", bound=Select[Any])


def where_given(query: S, *conditions: tuple[ColumnElement[Any], object]) -> S:
    """`query` narrowed to column == value for each pair whose value is not None."""
    for column, value in conditions:
        if value is not None:
            query = query.where(column == value)
    return query
