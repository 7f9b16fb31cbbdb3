"""The portal's Starlette application: pages from every module of portal.pages, static files,
the security middleware, and a friendly page for any URL that matches nothing."""
from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path

import jinja2
import structlog
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import pages
from portal.auth import SessionStore
from portal.backends import Backends
from portal.i18n import catalogue
from portal.render import error_page
from portal.security import SecurityMiddleware
from portal.settings import PortalSettings

HERE = Path(__file__).resolve().parent


def templates() -> jinja2.Environment:
    """Autoescaping on for every template (citizen text is hostile); an undefined name is an
    error, not a blank."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), auto_reload=False,
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


class RequestLog:
    """One log line per request: method, the route's template (``/t/{code}``, never the path
    itself: a tracking code is the citizen's key to the case and stays out of logs), status,
    duration in ms. Health probes are not logged."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.log = structlog.get_logger("portal")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            self.log.info("page", method=scope["method"], route=getattr(route, "path", "(none)"), status=status[0],
                          duration_ms=round((time.perf_counter() - started) * 1000, 2))


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return error_page(request, 405, "error_title", "page_not_found")
    return error_page(request, 404, "not_found_title", "page_not_found")


async def server_error(request: Request, exc: Exception) -> Response:
    request.app.state.log.exception("page failed", path=request.url.path)
    return error_page(request, 500, "error_title", "server_error")


def create_app(settings: PortalSettings) -> Starlette:
    """The application; its gRPC channels are opened when it starts serving (lifespan) and
    closed when it stops."""
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.backends = Backends(settings)
        try:
            yield
        finally:
            await app.state.backends.close()

    routes: list[Route | Mount] = [Route("/healthz", healthz, methods=["GET"])]
    for module in pages.MODULES:
        routes.extend(module.routes)
    routes.append(Mount("/static", app=StaticFiles(directory=HERE / "static", check_dir=False), name="static"))
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(RequestLog), Middleware(SecurityMiddleware)],
                    exception_handlers={404: not_found, 405: not_found, 500: server_error})
    app.state.settings = settings
    app.state.sessions = SessionStore()
    # The key of signed-in forms' CSRF tokens (security.session_csrf): this process's, like
    # the sessions they are bound to (a restart ends both).
    app.state.csrf_key = secrets.token_bytes(32)
    app.state.catalogue = catalogue("zh-CN")
    app.state.log = structlog.get_logger("portal")
    env = templates()
    env.globals.update(app.state.catalogue.template_globals())
    app.state.templates = env
    return app
