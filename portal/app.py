"""The portal's Starlette application: pages from every module of portal.pages, static files,
the security middleware, and a friendly page for any URL that matches nothing."""
from __future__ import annotations

import contextlib
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

from portal import pages
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
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityMiddleware)],
                    exception_handlers={404: not_found, 405: not_found, 500: server_error})
    app.state.settings = settings
    app.state.catalogue = catalogue("zh-CN")
    app.state.log = structlog.get_logger("portal")
    env = templates()
    env.globals.update(app.state.catalogue.template_globals())
    app.state.templates = env
    return app
