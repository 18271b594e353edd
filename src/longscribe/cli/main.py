"""``longscribe`` entry point and subcommand dispatch."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from longscribe import __version__
from longscribe.cli.bench import add_bench_parser
from longscribe.cli.common import Parser, UsageError
from longscribe.cli.console import print_error
from longscribe.cli.devices import add_devices_parser
from longscribe.cli.environment import Environment
from longscribe.cli.export import add_export_parser
from longscribe.cli.interrupt import EXIT_INTERRUPTED
from longscribe.cli.listen import add_live_parser
from longscribe.cli.serve import add_serve_parser
from longscribe.cli.transcribe import add_transcribe_parser
from longscribe.cli.tune import add_tune_parser
from longscribe.cli.voices import add_voices_parser
from longscribe.cli.watch import add_watch_parser
from longscribe.errors import LongscribeError
from longscribe.pipeline.threads import calls_in_progress


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="longscribe", description="Transcribe long recordings with Whisper, fast and in flat memory.")
    parser.add_argument("--version", action="version", version=f"longscribe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_transcribe_parser(sub)
    add_devices_parser(sub)
    add_export_parser(sub)
    add_bench_parser(sub)
    add_tune_parser(sub)
    add_serve_parser(sub)
    add_voices_parser(sub)
    add_watch_parser(sub)
    add_live_parser(sub)
    return parser


def configure_logging(debug: bool, verbose: bool) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command; ``environ`` (default: the process's) is read once, here.

    The command's own process (``argv`` None) ends here, with ``os._exit``, when a stop left
    decodes running (see :mod:`longscribe.pipeline.threads`): it does not wait for them, and
    the outputs and the job store are closed by then.
    """
    code = _command(argv, environ)
    if argv is None and calls_in_progress():
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _command(argv: Sequence[str] | None, environ: Mapping[str, str] | None) -> int:
    env = Environment.read(environ)
    if argv is None and env.malloc_tuning:  # the command owns its process; a call from Python does not
        from longscribe import memory

        memory.configure()
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print_error(exc)
        return exc.exit_code
    debug = getattr(args, "debug", False)
    configure_logging(debug, getattr(args, "verbose", False))
    try:
        code: int = args.run(args, env)
    except LongscribeError as exc:
        if debug:
            raise
        print_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print_error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: one line, and how to see more
        if debug:
            raise
        print_error(f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)")
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
