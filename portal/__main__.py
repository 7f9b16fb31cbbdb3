"""``python -m portal``: serves the portal with uvicorn on its settings' host and port."""
from __future__ import annotations

import os
import signal
import sys

import structlog
import uvicorn

from portal import settings as portal_settings
from portal.app import create_app
from shared import logs


def config(settings: portal_settings.PortalSettings) -> uvicorn.Config:
    """uvicorn's configuration: proxy headers believed only from portal_trusted_proxies."""
    proxies = settings.portal_trusted_proxies.strip()
    return uvicorn.Config(create_app(settings), host=settings.host, port=settings.portal_port,
                          proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                          server_header=False, access_log=False, log_config=None)


def main() -> int:
    # The format is known before the settings are, so a bad setting is reported in it too.
    logs.configure(os.environ.get("LIANXIN_LOG_FORMAT", "auto"))
    try:
        settings = portal_settings.load()
    except ValueError as e:
        structlog.get_logger("portal").error("cannot start", error=str(e))
        return 2
    logs.configure(settings.log_format)
    log = structlog.get_logger("portal")
    # uvicorn stops on SIGINT/SIGTERM and then re-raises the signal with the handlers it
    # found: with Python's defaults that is a KeyboardInterrupt (logged as a crash) or a
    # death by SIGTERM. Handlers that only note the signal make either a normal stop, exit 0.
    stopped_by: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: stopped_by.append(number))
    server = uvicorn.Server(config(settings))
    if not stopped_by:   # a signal before uvicorn took over the handlers still stops the start
        server.run()
    if stopped_by:
        log.info("stopped", signal=signal.Signals(stopped_by[0]).name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
