"""The OpenAPI documents: one per vendor API and one for pickbay's own, each whole on its own.

Routes declare what only they know: their body (`body_schema`), their answer
(`response_model`) and their particular refusals (`responses={409: ...}`). The statuses every
operation shares are added here from what the operation is: 400 when it reads arguments or a
body, 401 when it needs a credential, 404 when its path names something, 413 and 415 when it
reads a body, and 500 for an unexpected failure. Every error is documented with the body of
the API it belongs to, as that API renders it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from pickbay.http.common import COMPONENTS

REF = "#/components/schemas/"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# What each shared status means, whatever the API.
SHARED = {
    400: "The arguments or the body break a rule; the body names each field.",
    401: "No credential, or not a valid one.",
    404: "Nothing with that id (for this caller).",
    413: "The body is larger than the server's limit (PICKBAY_MAX_BODY_BYTES).",
    415: "The body is not of a media type the operation reads.",
    500: (
        "An unexpected failure. The body carries a request id (also in the X-Request-Id "
        "header) that finds the failure in the server's log."
    ),
}
FRAMEWORK_422 = "HTTPValidationError"
TAGGED = "__"
RULES = (
    "\n\nEvery API of pickbay refuses a NUL character (U+0000) in any string, argument or "
    "path with a 400 that names the field. Bodies over PICKBAY_MAX_BODY_BYTES (1 MiB by "
    "default) get a 413 unread."
)

# What routes add to the shared statuses (`responses=`); the body is filled in per API.
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "What is stored does not allow it now (its state, or a duplicate)."}
}
NAMED: dict[int | str, dict[str, Any]] = {
    404: {"description": "The body names something that does not exist."},
    **CONFLICT,
}


@dataclass(frozen=True)
class Api:
    """One API of the server and how its document is made."""

    slug: str
    """Its document is /openapi/{slug}.json."""
    title: str
    description: str
    owns: Callable[[str], bool]
    """Whether an operation on this path belongs to the API."""
    errors: Callable[[str, int], tuple[str, Any]]
    """The media type and the type (a model, or a union of models) of its error bodies."""
    security: Callable[[str], str | None] = lambda path: None
    """The security scheme of an operation on this path (None: as the route declares)."""
    schemes: Mapping[str, dict[str, Any]] | None = None


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _error_schema(kind: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(kind).json_schema(ref_template=REF + "{model}")
    components.update(schema.pop("$defs", {}))
    title = getattr(kind, "__name__", None)
    if title is None:
        return schema
    components[title] = schema
    return {"$ref": REF + title}


def _shared_statuses(operation: dict[str, Any]) -> list[int]:
    parameters = operation.get("parameters", [])
    body = "requestBody" in operation
    statuses = [500]
    if parameters or body:
        statuses.append(400)
    if operation.get("security"):
        statuses.append(401)
    if any(p.get("in") == "path" for p in parameters):
        statuses.append(404)
    if body:
        statuses += [413, 415]
    return statuses


def _complete(api: Api, path: str, operation: dict[str, Any], components: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    framework = responses.get("422", {}).get("content", {}).get("application/json", {})
    if framework.get("schema", {}).get("$ref", "").endswith(FRAMEWORK_422):
        del responses["422"]  # every API answers bad arguments with its own 400
    for shared in _shared_statuses(operation):
        responses.setdefault(str(shared), {"description": SHARED[shared]})
    for status, response in responses.items():
        code = int(status)
        if code < 400 or response.get("content"):
            continue
        media, kind = api.errors(path, code)
        response["content"] = {media: {"schema": _error_schema(kind, components)}}
    operation["responses"] = dict(sorted(responses.items()))


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF):
            yield ref[len(REF) :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(roots: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """The component schemas `roots` refer to, directly or through other schemas."""
    found: dict[str, Any] = {}
    todo = list(_refs(roots))
    while todo:
        name = todo.pop()
        if name in found or name not in schemas:
            continue
        found[name] = schemas[name]
        todo.extend(_refs(schemas[name]))
    return dict(sorted(found.items()))


def operation_id(route: APIRoute) -> str:
    """A unique id for every operation of the server: its first tag and its function's name
    (each document drops the tag where the name alone is unique in it)."""
    tag = str(route.tags[0]) if route.tags else "pickbay"
    return f"{tag.lower().replace(' ', '_').replace('-', '_')}{TAGGED}{route.name}"


def _short_ids(doc: dict[str, Any]) -> None:
    names = [op["operationId"].partition(TAGGED)[2] for _, _, op in _operations(doc)]
    for _, _, operation in _operations(doc):
        tag, _, name = operation["operationId"].partition(TAGGED)
        operation["operationId"] = name if names.count(name) == 1 else f"{tag}_{name}"


def generated(routes: Sequence[Any], *, version: str) -> dict[str, Any]:
    """The framework's document of every route, the raw material of each API's."""
    return get_openapi(title="pickbay", version=version, routes=routes)


def document(api: Api, full: dict[str, Any], *, version: str) -> dict[str, Any]:
    """The OpenAPI document of `api`: its operations only, each with every status it answers."""
    paths = {p: copy.deepcopy(item) for p, item in full["paths"].items() if api.owns(p)}
    doc: dict[str, Any] = {
        "openapi": full["openapi"],
        "info": {"title": api.title, "version": version, "description": api.description + RULES},
        "paths": paths,
    }
    generated_components = full.get("components", {})
    schemas = {**copy.deepcopy(COMPONENTS), **generated_components.get("schemas", {})}
    schemes = {**generated_components.get("securitySchemes", {}), **(api.schemes or {})}
    _short_ids(doc)
    for path, _, operation in _operations(doc):
        scheme = api.security(path)
        if scheme is not None:
            operation["security"] = [{scheme: []}]
        _complete(api, path, operation, schemas)
    used = {name for _, _, op in _operations(doc) for s in op.get("security", []) for name in s}
    components: dict[str, Any] = {"schemas": _reachable(paths, schemas)}
    if used:
        components["securitySchemes"] = {n: schemes[n] for n in sorted(used) if n in schemes}
    doc["components"] = components
    return doc


def combined(
    docs: Sequence[dict[str, Any]], *, title: str, version: str, description: str
) -> dict[str, Any]:
    """Every API's operations in one document (/openapi.json)."""
    out: dict[str, Any] = {
        "openapi": docs[0]["openapi"],
        "info": {"title": title, "version": version, "description": description},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    for doc in docs:
        out["paths"].update(doc["paths"])
        for kind in ("schemas", "securitySchemes"):
            out["components"][kind].update(doc.get("components", {}).get(kind, {}))
    return out
