"""GreyMatter's `filter_parameters` grammar: `key = 'v'` and `key in ['a', 'b']`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pickbay.core.patterns import SPACE

_KEY = r"[A-Za-z_][A-Za-z0-9_.-]*"
_FILTER = re.compile(rf"^\s*({_KEY})\s*(=|in)\s*(.+?)\s*$", re.DOTALL)
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _pattern() -> str:
    """The grammar as one JSON Schema (ECMA-262) pattern, for the API document: white space
    and `.` spelt out, since ECMA's differ from Python's."""
    space = SPACE + "*"
    quoted = r"'(?:[^'\\]|\\[^\n])*'"
    value = rf"(?:={space}{quoted}|in{space}\[{space}{quoted}(?:{space},{space}{quoted})*{space}\])"
    return f"^{space}{_KEY}{space}{value}{space}$"


PATTERN = _pattern()


@dataclass(frozen=True)
class Filter:
    """One `unique_key operator value` filter: the key must equal one of `values`."""

    key: str
    values: tuple[str, ...]


def parse_filter(text: str) -> Filter:
    """Parse `key = 'v'` or `key in ['a', 'b']`; ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError("a filter must be a string")
    match = _FILTER.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not 'unique_key = 'value'' or 'unique_key in [...]'")
    key, op, raw = match.groups()
    if op == "=":
        value = _QUOTED.fullmatch(raw)
        if value is None:
            raise ValueError(f"'{text}': the value must be a single-quoted string")
        return Filter(key, (_unescape(value.group(1)),))
    if not (raw.startswith("[") and raw.endswith("]")):
        raise ValueError(f"'{text}': 'in' takes a list of single-quoted strings")
    inner = raw[1:-1].strip()
    values: list[str] = []
    pos = 0
    while pos < len(inner):
        item = _QUOTED.match(inner, pos)
        if item is None:
            raise ValueError(f"'{text}': 'in' takes a list of single-quoted strings")
        values.append(_unescape(item.group(1)))
        pos = item.end()
        rest = inner[pos:].lstrip()
        if not rest:
            break
        if not rest.startswith(","):
            raise ValueError(f"'{text}': list items must be separated by commas")
        pos = len(inner) - len(rest[1:].lstrip())
        if pos >= len(inner):
            raise ValueError(f"'{text}': the list ends with a comma")
    if not values:
        raise ValueError(f"'{text}': the list is empty")
    return Filter(key, tuple(values))


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def matches(filters: list[Filter], attributes: dict[str, str]) -> bool:
    """Whether a product with these attributes passes every filter."""
    return all(attributes.get(f.key) in f.values for f in filters)
