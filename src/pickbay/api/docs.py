"""The API documents and their interactive docs, served from files installed with pickbay.

/docs shows every API's operations on one page (Swagger UI, whose files come with the
`fastapi-offline` package, so the page needs no network); /openapi/{api}.json is each API's
document on its own, to generate a client from.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from pickbay.core.errors import NotFound

router = APIRouter(include_in_schema=False)

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pickbay API docs</title>
<link rel="icon" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<style>
  body {{ margin: 0; font-family: sans-serif; }}
  nav {{ position: sticky; top: 0; z-index: 10; background: #1b1f24; color: #fff;
        padding: .6rem 1.2rem; display: flex; gap: 1.2rem; align-items: baseline; }}
  nav a {{ color: #9ecbff; text-decoration: none; }}
  nav strong {{ margin-right: 1rem; }}
  section {{ border-bottom: 4px solid #1b1f24; }}
  section > header {{ padding: 1rem 1.2rem 0; }}
  section > header a {{ font-size: .9rem; }}
</style>
</head>
<body>
<nav><strong>pickbay API docs</strong>{links}</nav>
{sections}
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
for (const api of {apis}) {{
  SwaggerUIBundle({{
    url: api.url,
    dom_id: "#ui-" + api.slug,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    deepLinking: false,
    presets: [SwaggerUIBundle.presets.apis],
  }});
}}
</script>
</body>
</html>
"""


@cache
def _asset(name: str) -> bytes:
    return files("fastapi_offline").joinpath("static", name).read_bytes()


def _documents(request: Request) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = request.app.state.documents()
    return docs


@router.get("/docs")
async def page(request: Request) -> HTMLResponse:
    """Every API's operations on one page, each API under its own heading."""
    docs = _documents(request)
    apis = [{"slug": slug, "url": f"/openapi/{slug}.json"} for slug in docs]
    links = "".join(
        f'<a href="#{slug}">{html.escape(doc["info"]["title"])}</a>' for slug, doc in docs.items()
    )
    sections = "".join(
        f'<section id="{slug}"><header><a href="/openapi/{slug}.json">'
        f"/openapi/{slug}.json</a></header>"
        f'<div id="ui-{slug}"></div></section>'
        for slug in docs
    )
    return HTMLResponse(
        PAGE.format(links=links, sections=sections, apis=orjson.dumps(apis).decode())
    )


@router.get("/docs/assets/{name}")
async def asset(name: str) -> Response:
    """Swagger UI's own files."""
    if name not in ASSETS:
        raise NotFound(f"No asset {name!r}.")
    return Response(
        _asset(name), media_type=ASSETS[name], headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/openapi/{slug}.json")
async def document(request: Request, slug: str) -> Response:
    """One API's OpenAPI document."""
    doc = _documents(request).get(slug)
    if doc is None:
        raise NotFound(f"No API {slug!r}; see /docs.")
    return Response(orjson.dumps(doc), media_type="application/json")
