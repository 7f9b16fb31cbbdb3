"""Logging set-up, called once by a service's composition root (never at import).

Everything a service logs goes through one standard-library handler on stderr: structlog's
own events and the libraries' stdlib loggers (kafka-python, alembic, grpc) alike, rendered by
structlog's ProcessorFormatter. With JSON on, every line is one JSON object: a traceback is a
field of its record (``exception``), never loose lines, and uncaught exceptions in any thread
are logged the same way. The handler writes each record, newline included, in one write
under its lock, so records from concurrent threads never share a line.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import MutableMapping
from typing import Any

import structlog

# Libraries chatty at INFO (kafka-python reports every connection and rebalance step,
# alembic every migration plugin).
QUIET = {"kafka": logging.WARNING, "alembic": logging.WARNING}


# The values of the log_format setting (LIANXIN_LOG_FORMAT).
FORMATS = ("auto", "json", "console")


def check_format(fmt: str) -> None:
    """Raises ValueError naming the setting when ``fmt`` is not one of FORMATS (a typo such
    as "jsn" stops the start rather than fall back to console output unnoticed)."""
    if fmt not in FORMATS:
        raise ValueError(f"setting log_format={fmt!r}: must be auto, json or console")


def wants_json(fmt: str = "auto") -> bool:
    """Whether ``fmt`` (LIANXIN_LOG_FORMAT: json, console or auto) means JSON lines: "auto"
    is JSON off a terminal. A value not in FORMATS counts as "auto", so the record that
    refuses it is written as that value would have been."""
    return fmt == "json" or (fmt not in ("json", "console") and not sys.stderr.isatty())


def quiet_grpc_core(env: MutableMapping[str, str] | None = None) -> None:
    """Under JSON logs, turns off the log lines gRPC's C core writes to stderr itself
    (``E1130 17:40:07.868434 20851 add_port.cc:83] ...``): they bypass Python logging, so
    they could not be JSON. What they report reaches the log anyway as our own records (a
    port that cannot be bound is the service's "cannot start" record). The core reads
    GRPC_VERBOSITY when grpc is imported, so a process's entry point calls this before
    importing anything that imports grpc; an operator's own GRPC_VERBOSITY is kept (its
    lines are then plain text). ``env``: the environment to set (default os.environ)."""
    env = os.environ if env is None else env
    if wants_json(env.get("LIANXIN_LOG_FORMAT", "auto")):
        env.setdefault("GRPC_VERBOSITY", "NONE")


def configure(fmt: str = "auto", level: int = logging.INFO) -> None:
    """JSON lines off a terminal (or with fmt="json"), a readable console on one."""
    as_json = wants_json(fmt)
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    shared: list[Any] = [structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name, timestamper]
    if as_json:
        rendering: list[Any] = [structlog.processors.format_exc_info,
                     structlog.processors.JSONRenderer(ensure_ascii=False)]
    else:
        rendering = [structlog.dev.ConsoleRenderer()]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,   # records from stdlib loggers
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )

    log = logging.getLogger("lianxin")

    def _uncaught(exc_type, exc, tb):
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))

    def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        thread = args.thread.name if args.thread else "?"
        if args.exc_value is None:   # nothing to format but the exception's type
            log.error("uncaught %s in thread %s", args.exc_type.__name__, thread)
            return
        log.error("uncaught exception in thread %s", thread,
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
