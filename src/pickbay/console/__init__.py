"""The operator console: plain HTML, CSS and JavaScript served by the app at /console.

It has no build step and uses no code but its own; it reads pickbay's own API with the admin
token and follows the event feed to stay live.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from pickbay.core.errors import NotFound
from pickbay.vendors.registry import VENDORS

router = APIRouter(include_in_schema=False)

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@cache
def _asset(name: str) -> bytes:
    return files(__name__).joinpath(name).read_bytes()


def _serve(name: str) -> Response:
    return Response(_asset(name), media_type=ASSETS[name], headers={"Cache-Control": "no-cache"})


@router.get("/")
async def root() -> RedirectResponse:
    """The console is the front page."""
    return RedirectResponse("/console/", status_code=307)


@router.get("/console")
async def console_bare() -> RedirectResponse:
    """With a trailing slash, so relative asset links resolve."""
    return RedirectResponse("/console/", status_code=307)


@router.get("/console/")
async def console() -> Response:
    """The console's single page."""
    return _serve("index.html")


def vendor_script_url(name: str) -> str:
    """Where the console loads a vendor's module from."""
    return f"/console/vendors/{name}.js"


@router.get("/console/vendors/{name}.js")
async def vendor_script(name: str) -> Response:
    """A vendor's part of the console (its actions and machines)."""
    script = next((v.console_script() for v in VENDORS if v.name == name), None)
    if script is None:
        raise NotFound(f"No console module for '{name}'.")
    return Response(script, media_type=ASSETS["console.js"], headers={"Cache-Control": "no-cache"})


@router.get("/console/{name}")
async def asset(name: str) -> Response:
    """Its stylesheet, script and icon."""
    if name not in ASSETS or name == "index.html":
        raise NotFound(f"No console file '{name}'.")
    return _serve(name)
