"""The pages for people: ``/`` (what this is and where to start), ``/docs`` (Swagger UI) and
``/redoc`` (ReDoc), served without the internet.

FastAPI's own ``/docs`` and ``/redoc`` load their JavaScript and CSS from a CDN, so on a gateway
without internet access (a bank's network) they are blank. Here the assets come from the
``fastapi-offline`` package (MIT), which ships the Swagger UI bundle (Apache-2.0) and the ReDoc
standalone bundle (MIT); they are mounted at :data:`STATIC_URL` and the pages point there.

``GET /`` answers HTML to a browser and JSON to everything else (``Accept`` decides; a tie, as
with ``*/*``, goes to JSON).
"""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/static/docs"
#: images from this gateway only: ReDoc's sidebar would fetch its maker's logo from the maker's
#: CDN (it hides the image when that fails); this way no page asks another host for anything
DOCS_CSP = "img-src 'self' data:"
#: where fastapi-offline keeps swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js
ASSETS = Path(str(resources.files("fastapi_offline") / "static"))

LINKS = {
    "docs": "/docs",
    "redoc": "/redoc",
    "openapi": "/openapi.json",
    "health": "/health",
}

#: the address in the first steps when the request's own cannot be shown as it is
GATEWAY_PLACEHOLDER = "http://<gateway host>:<port>"
#: a base URL that is safe to print inside a shell command: scheme, host (name, IPv4 or
#: bracketed IPv6), optional port and path; a Host header is the client's to choose
_SAFE_BASE = re.compile(
    r"https?://(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~\-/]*)?"
)
_GW = "{gw}"

#: the README's first steps, as (what, how); {gw} is the address the request reached
FIRST_STEPS: tuple[tuple[str, str], ...] = (
    (
        "Authenticate every request with an API key (the admin's is printed once by "
        "`tradeledger init` or `scripts/start.sh`)",
        'export GW={gw} H="Authorization: Bearer <api key>"',
    ),
    (
        "As the admin, onboard a member: its API key is shown once",
        'tradeledger member add "Acme Exporters" --role enterprise --json',
    ),
    (
        "With that member's key, register a document (UBL, CII, Factur-X, JSON form, any file)",
        'curl -H "$H" -F file=@invoice.xml $GW/v1/documents',
    ),
    (
        "Read who registered it, when, and its status; list your documents",
        'curl -H "$H" $GW/v1/documents/0x<doc hash>   curl -H "$H" $GW/v1/documents',
    ),
    ("Check that a file is exactly the one registered", "tradeledger doc verify invoice.xml"),
)


def _quality(accept: str, media: str) -> float:
    """How much ``accept`` wants ``media``: the q of its most specific matching range."""
    main = media.split("/", 1)[0]
    best: tuple[int, float] = (-1, 0.0)
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        kind = kind.lower()
        if kind == media:
            rank = 2
        elif kind == f"{main}/*":
            rank = 1
        elif kind == "*/*":
            rank = 0
        else:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if rank > best[0]:
            best = (rank, q)
    return best[1]


def wants_html(accept: str | None) -> bool:
    """Whether a client prefers HTML to JSON (browsers do; API clients and ``*/*`` do not)."""
    if not accept:
        return False
    return _quality(accept, "text/html") > _quality(accept, "application/json")


def gateway_address(request: Request) -> str:
    """The address ``request`` reached (its base URL: scheme, host, port, root path), without the
    trailing slash; a placeholder when it is not plainly a URL."""
    base = str(request.base_url).rstrip("/")
    return base if _SAFE_BASE.fullmatch(base) else GATEWAY_PLACEHOLDER


def _about(app: FastAPI, gateway: str) -> dict[str, Any]:
    return {
        "name": app.title,
        "version": app.version,
        "description": "A permissioned ledger for trade-finance records: banks, enterprises, "
        "regulators and attestors share who registered which document when, and which "
        "financings pledge it.",
        "authentication": "Authorization: Bearer <api key>",
        "links": LINKS,
        "first_steps": [
            {"step": what, "example": how.replace(_GW, gateway)} for what, how in FIRST_STEPS
        ],
    }


def _home_html(about: dict[str, Any]) -> str:
    e = html.escape
    links = "".join(
        f'<li><a href="{e(url)}">{e(url)}</a> — {e(what)}</li>'
        for url, what in (
            (LINKS["docs"], "interactive API reference (Swagger UI)"),
            (LINKS["redoc"], "API reference to read (ReDoc)"),
            (LINKS["openapi"], "the OpenAPI document"),
            (LINKS["health"], "is the chain reachable; head block"),
        )
    )
    steps = "".join(
        f"<li>{e(s['step'])}<pre>{e(s['example'])}</pre></li>" for s in about["first_steps"]
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(about['name'])} gateway</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}pre{background:#f4f4f4;padding:.5rem;overflow-x:auto}"
        "</style></head><body>"
        f"<h1>{e(about['name'])} <small>{e(about['version'])}</small></h1>"
        f"<p>{e(about['description'])}</p>"
        f"<p>Every API request sends <code>{e(about['authentication'])}</code>.</p>"
        f"<h2>Where to go</h2><ul>{links}</ul>"
        f"<h2>First steps</h2><ol>{steps}</ol>"
        "<p>The README and docs/api.md in the repository say more.</p>"
        "</body></html>"
    )


def install_pages(app: FastAPI) -> None:
    """Serve ``/``, ``/docs``, ``/redoc`` and their assets on ``app`` (created with
    ``docs_url=None, redoc_url=None``)."""
    app.mount(STATIC_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        about = _about(app, gateway_address(request))
        if wants_html(request.headers.get("accept")):
            return HTMLResponse(_home_html(about))
        return JSONResponse(about)

    @app.get(LINKS["docs"], include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — API (Swagger UI)",
            swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            oauth2_redirect_url=None,
            # no call to the public validator service: the gateway may have no internet
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get(LINKS["redoc"], include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} — API (ReDoc)",
            redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page
