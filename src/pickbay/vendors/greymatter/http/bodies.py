"""Reading GreyMatter request bodies: every problem found at once, named by its JSON path."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pickbay.core.errors import Errors, InvalidInput
from pickbay.vendors.greymatter.filters import parse_filter
from pickbay.vendors.greymatter.model import PRIORITIES, NewLine, RequestType
from pickbay.vendors.greymatter.service import Changes, NewRequest

MAX_ID = 200
MAX_QUANTITY = 10**9  # eaches of one line


def _external_id(value: Any, path: str, errors: Errors) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.add(path, "externalServiceRequestId is required (a non-empty string).")
        return ""
    if len(value) > MAX_ID:
        errors.add(path, f"externalServiceRequestId is longer than {MAX_ID} characters.")
    return value


def _kind(value: Any, path: str, errors: Errors) -> RequestType | None:
    try:
        return RequestType(value)
    except ValueError:
        errors.add(path, f"type must be one of {', '.join(k.value for k in RequestType)}.")
        return None


def _product_attributes(value: Any, kind: RequestType, path: str, errors: Errors) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.add(path, "productAttributes must be an object.")
        return {}
    filters = value.get("filter_parameters")
    pdfa = value.get("pdfa_values")
    if filters is None and kind is RequestType.PUT and isinstance(pdfa, dict) and pdfa:
        if not all(isinstance(k, str) and isinstance(v, str | int) for k, v in pdfa.items()):
            errors.add(f"{path}.pdfa_values", "pdfa_values must map names to strings.")
        return value
    if not isinstance(filters, list) or not filters:
        errors.add(
            f"{path}.filter_parameters",
            "filter_parameters must be a non-empty list of filter strings"
            + (" (or give pdfa_values)." if kind is RequestType.PUT else "."),
        )
        return value
    for n, text in enumerate(filters):
        try:
            parsed = parse_filter(text)
        except ValueError as exc:
            errors.add(f"{path}.filter_parameters[{n}]", str(exc))
            continue
        if kind is RequestType.PUT and len(parsed.values) != 1:
            errors.add(f"{path}.filter_parameters[{n}]", "a put names one product: use '='.")
    return value


def _lines(value: Any, kind: RequestType, path: str, errors: Errors) -> list[NewLine]:
    if not isinstance(value, list) or not value:
        errors.add(path, f"a {kind.value} needs at least one {kind.line_type} service request.")
        return []
    lines: list[NewLine] = []
    seen: set[str] = set()
    for n, item in enumerate(value):
        at = f"{path}[{n}]"
        if not isinstance(item, dict):
            errors.add(at, "each service request must be an object.")
            continue
        external = _external_id(
            item.get("externalServiceRequestId"), f"{at}.externalServiceRequestId", errors
        )
        if external in seen:
            errors.add(f"{at}.externalServiceRequestId", f"'{external}' appears twice.")
        seen.add(external)
        if item.get("type") != kind.line_type:
            errors.add(f"{at}.type", f"type must be {kind.line_type}.")
        containers = (
            (item.get("expectations") or {}).get("containers")
            if isinstance(item.get("expectations"), dict)
            else None
        )
        if not isinstance(containers, list) or len(containers) != 1:
            errors.add(f"{at}.expectations.containers", "give exactly one container.")
            continue
        products = containers[0].get("products") if isinstance(containers[0], dict) else None
        if (
            not isinstance(products, list)
            or len(products) != 1
            or not isinstance(products[0], dict)
        ):
            errors.add(
                f"{at}.expectations.containers[0].products", "give exactly one product object."
            )
            continue
        product = products[0]
        ppath = f"{at}.expectations.containers[0].products[0]"
        quantity = product.get("productQuantity")
        if (
            not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or not 1 <= quantity <= MAX_QUANTITY
        ):
            errors.add(f"{ppath}.productQuantity", "productQuantity must be a whole number from 1.")
            quantity = 0
        attributes = _product_attributes(
            product.get("productAttributes"), kind, f"{ppath}.productAttributes", errors
        )
        lines.append(NewLine(external, quantity, attributes))
    return lines


def _time(value: Any, path: str, errors: Errors) -> None:
    if not isinstance(value, str):
        errors.add(path, "must be an ISO 8601 date and time string.")
        return
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.add(path, f"'{value}' is not an ISO 8601 date and time.")
        return
    if parsed.tzinfo is None:
        errors.add(path, f"'{value}' has no time zone (add Z or an offset).")


def _attributes(value: Any, path: str, errors: Errors) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add(path, "attributes must be an object.")
        return None
    for name in ("pick_before_time", "pick_after_time"):
        if value.get(name) is not None:
            _time(value[name], f"{path}.{name}", errors)
    priority = value.get("simple_priority")
    if priority is not None and priority not in PRIORITIES:
        errors.add(
            f"{path}.simple_priority", f"simple_priority must be one of {', '.join(PRIORITIES)}."
        )
    options = value.get("order_options")
    if options is not None and not isinstance(options, dict):
        errors.add(f"{path}.order_options", "order_options must be an object.")
    return value


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput({"body": ["The body must be a JSON object."]})
    return body


def new_request(body: Any) -> NewRequest:
    """A create body as a NewRequest, or InvalidInput naming every problem."""
    body = _object(body)
    errors = Errors()
    external = _external_id(
        body.get("externalServiceRequestId"), "externalServiceRequestId", errors
    )
    kind = _kind(body.get("type"), "type", errors)
    lines = (
        [] if kind is None else _lines(body.get("serviceRequests"), kind, "serviceRequests", errors)
    )
    attributes = _attributes(body.get("attributes"), "attributes", errors)
    errors.raise_any()
    assert kind is not None
    return NewRequest(external, kind, lines, attributes)


def reference(
    body: Any, *, kinds: tuple[RequestType, ...] = (RequestType.PICK, RequestType.PUT)
) -> tuple[RequestType, str]:
    """The `{externalServiceRequestId, type}` of a cancel or modify body."""
    body = _object(body)
    errors = Errors()
    external = _external_id(
        body.get("externalServiceRequestId"), "externalServiceRequestId", errors
    )
    kind = _kind(body.get("type"), "type", errors)
    if kind is not None and kind not in kinds:
        errors.add("type", f"type must be {' or '.join(k.value for k in kinds)}.")
    errors.raise_any()
    assert kind is not None
    return kind, external


def changes(body: Any, kind: RequestType) -> Changes:
    """What a modify body changes, or InvalidInput."""
    body = _object(body)
    errors = Errors()
    if all(body.get(k) is None for k in ("serviceRequests", "attributes", "expectations")):
        errors.add("body", "give serviceRequests, attributes or expectations to change.")
    expectations = body.get("expectations")
    if expectations is not None and (
        not isinstance(expectations, dict) or expectations.get("containers") not in (None, [])
    ):
        errors.add(
            "expectations",
            f"a {kind.value} has no expectations of its own: change its serviceRequests.",
        )
    lines = []
    if body.get("serviceRequests") is not None:
        lines = _lines(body.get("serviceRequests"), kind, "serviceRequests", errors)
    attributes = _attributes(body.get("attributes"), "attributes", errors)
    errors.raise_any()
    return Changes(lines, attributes)
