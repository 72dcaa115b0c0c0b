"""Lifecycles as data: a table of (state, trigger) -> next state, and one function to apply it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from pickbay.core.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)
T = TypeVar("T", bound=StrEnum)


class Lifecycle(Generic[S, T]):
    """A transition table that refuses every transition it does not list."""

    def __init__(self, name: str, table: Iterable[tuple[Iterable[S], T, S]]) -> None:
        self.name = name
        self._table: dict[tuple[S, T], S] = {}
        for sources, trigger, target in table:
            for source in sources:
                if (source, trigger) in self._table:
                    raise ValueError(f"{name}: {source} --{trigger}--> listed twice")
                self._table[(source, trigger)] = target

    @property
    def transitions(self) -> Mapping[tuple[S, T], S]:
        """The whole table, for docs and tests."""
        return self._table

    def allows(self, state: S, trigger: T) -> bool:
        """Whether `trigger` may fire in `state`."""
        return (state, trigger) in self._table

    def triggers(self, state: S) -> list[T]:
        """The triggers that may fire in `state`, in table order (none: a final state)."""
        return [t for (s, t) in self._table if s == state]

    def next(self, state: S, trigger: T) -> S:
        """The state after `trigger` fires in `state`, or InvalidTransition."""
        try:
            return self._table[(state, trigger)]
        except KeyError:
            raise InvalidTransition(
                f"{self.name}: cannot {trigger.value} in state {state.value}"
            ) from None
