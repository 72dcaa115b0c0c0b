"""Errors of arguments the framework refused (query, path, header), keyed by argument."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.exceptions import RequestValidationError

_BOUNDS = ("greater_than_equal", "less_than_equal", "greater_than", "less_than")


def query_errors(
    exc: RequestValidationError, ranges: Mapping[str, tuple[int, int]] | None = None
) -> dict[str, list[str]]:
    """Each refused argument's messages; `ranges` words bounds as "must be between"."""
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if p not in ("query", "path", "header", "body")]
        name = ".".join(loc) or "request"
        given = err.get("input")
        if err["type"] in _BOUNDS:
            msg = err["msg"]
            if ranges and name in ranges:
                lo, hi = ranges[name]
                msg = f"The field {name} must be between {lo} and {hi}."
        else:
            msg = f"The value '{given}' is not valid for {name}."
        out.setdefault(name, []).append(msg)
    return out
