"""Errors that carry their HTTP status; each dialect renders them in its vendor's format."""

from __future__ import annotations


class PickbayError(Exception):
    """Base of every expected error; `status` is the HTTP status it maps to."""

    status = 500
    title = "Internal Server Error"

    def __init__(self, detail: str = "", *, field: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.field = field


class InvalidInput(PickbayError):
    """The request is malformed or breaks a rule; `errors` maps a field to its messages."""

    status = 400
    title = "Bad Request"

    def __init__(self, errors: dict[str, list[str]], detail: str = "") -> None:
        super().__init__(detail or "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class Errors:
    """Collects every problem of a request body, so one answer names them all."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        """Note a problem with `name` (a field or a JSON path)."""
        self.found.setdefault(name, []).append(message)

    def raise_any(self) -> None:
        """InvalidInput if anything was noted."""
        if self.found:
            raise InvalidInput(self.found)


class Unauthorized(PickbayError):
    """Missing or wrong credentials."""

    status = 401
    title = "Unauthorized"


class NotFound(PickbayError):
    """The addressed thing does not exist for this caller."""

    status = 404
    title = "Not Found"


class Conflict(PickbayError):
    """The request clashes with what is stored (a duplicate, a concurrent change)."""

    status = 409
    title = "Conflict"


class InvalidTransition(Conflict):
    """The lifecycle does not allow this trigger in the current state."""


class UnsupportedMediaType(PickbayError):
    """The body's content type is not one the endpoint reads."""

    status = 415
    title = "Unsupported Media Type"


class DemoFailure(PickbayError):
    """The documented `$fail` demo: an unexpected server error on purpose."""

    status = 500
    title = "An unexpected error occurred."


class PayloadTooLarge(PickbayError):
    """The request's body is over the configured limit."""

    status = 413
    title = "Payload Too Large"


class InternalError(PickbayError):
    """Something failed that should not have; `request_id` finds it in the server log."""

    status = 500
    title = "Internal Server Error"

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"An unexpected error occurred on the server (request id {request_id}); "
            "its log has the details."
        )
        self.request_id = request_id


class ConcurrentChange(Conflict):
    """Someone else changed the same thing first; the caller may retry."""


class Unprocessable(PickbayError):
    """Well-formed but unusable (a token of the wrong kind, a bad signature)."""

    status = 422
    title = "Unprocessable Entity"
