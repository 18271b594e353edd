"""``longscribe`` entry point and subcommand dispatch."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from longscribe import __version__
from longscribe.cli.bench import add_bench_parser
from longscribe.cli.devices import add_devices_parser
from longscribe.cli.export import add_export_parser
from longscribe.cli.transcribe import add_transcribe_parser
from longscribe.cli.tune import add_tune_parser
from longscribe.engines.allocator import restart_tuned


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="longscribe", description="Transcribe long recordings with Whisper, fast and in flat memory."
    )
    parser.add_argument("--version", action="version", version=f"longscribe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_transcribe_parser(sub)
    add_devices_parser(sub)
    add_export_parser(sub)
    add_bench_parser(sub)
    add_tune_parser(sub)
    return parser


def configure_logging(debug: bool, verbose: bool) -> None:
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the command itself, not a call from Python: restart with glibc's tunables set
        restart_tuned()
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(getattr(args, "debug", False), getattr(args, "verbose", False))
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
