"""The front page."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.render import page


async def index(request: Request) -> Response:
    return page(request, "home.html")


routes = [Route("/", index, methods=["GET"])]
