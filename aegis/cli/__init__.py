"""The `aegis` command line: one module per command, each with `add_parser(sub)` and `run(args)`; each mode calls
the Python API of the same name."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from aegis import __version__
from aegis.cli import (
    analyze,
    batch,
    bench,
    clip,
    data,
    distill,
    ensemble,
    evaluate,
    export,
    live,
    report,
    search,
    train,
    web_export,
)
from aegis.cli.common import Parser
from aegis.errors import AegisError

COMMANDS = (analyze, batch, report, clip, ensemble, live, web_export, train, export, distill, evaluate, bench, search,
            data)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `aegis` console script; returns the exit code."""
    _log_to_stderr()
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        parser.print_help()
        return 2
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except AegisError as exc:
        print(f"aegis: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aegis: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # the file system refused (an unwritable --out, a full disk): say where, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"aegis: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


class OneLineFormatter(logging.Formatter):
    """`aegis: note: ...` for information, `aegis: warning: ...` above it: the library logs, the CLI shows."""

    def format(self, record: logging.LogRecord) -> str:
        return f"aegis: {'note' if record.levelno < logging.WARNING else 'warning'}: {record.getMessage()}"


class StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever sys.stderr is at the time of each record."""

    @property
    def stream(self):  # noqa: D102
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _log_to_stderr() -> None:
    """Show the library's notes and warnings on stderr, once however often main() runs."""
    logger = logging.getLogger("aegis")
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(OneLineFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("aegis.live").setLevel(logging.WARNING)  # not websockets' line for every connection


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per command."""
    parser = Parser(prog="aegis", description="Real-time video facial expression recognition on a CPU: analyse "
                                              "videos, run the live web app, build data, train and evaluate models.")
    parser.add_argument("--version", action="version", version=f"aegis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser
