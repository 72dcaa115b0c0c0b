"""List queries as data: conditions, sorting and paging that the store compiles to SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Kind(StrEnum):
    """How a column's values compare."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATETIME = "datetime"


class Op(StrEnum):
    """A comparison: `eq` unless a prefix such as [gt] names another."""

    EQ = "eq"
    NOT = "not"
    GT = "gt"
    LT = "lt"
    GTE = "gte"
    LTE = "lte"
    OR = "or"
    NOR = "nor"
    LIKE = "like"
    NOTLIKE = "notlike"


@dataclass(frozen=True)
class Day:
    """A date given without a time: equality means anywhere in that day."""

    day: date


Value = str | int | float | bool | datetime | Day | None


@dataclass(frozen=True)
class Condition:
    """`column op values`; a `dynamic` condition reads a custom field named `column`."""

    column: str
    kind: Kind
    op: Op
    values: tuple[Value, ...]
    dynamic: bool = False


@dataclass(frozen=True)
class Sort:
    """One sort key."""

    column: str
    descending: bool = False


@dataclass(frozen=True)
class ListQuery:
    """Every condition must hold; rows come sorted by `sort`, then by insertion, paged."""

    conditions: tuple[Condition, ...] = ()
    sort: tuple[Sort, ...] = ()
    limit: int = 250
    offset: int = 0
    count_only: bool = False
    extra: dict[str, object] = field(default_factory=dict)
