"""``longscribe voices add|list|remove|rename``: the voice library, by name.

A voice is enrolled from clips of that person alone (``FILE`` or ``FILE@START-END`` in seconds);
the library keeps their embeddings, never the audio (:mod:`longscribe.diarize.library`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from longscribe.cli.common import add_voice_library_argument
from longscribe.cli.console import print_error, stderr_console
from longscribe.cli.environment import Environment
from longscribe.diarize.library import VoiceLibrary
from longscribe.errors import LongscribeError


def add_voices_parser(sub: Any) -> None:
    p = sub.add_parser("voices", help="enrol, list, rename or remove voices known by name")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="enrol a voice from clips of that person alone (or add clips to it)")
    add.add_argument("name", help="the voice's name, as transcripts will show it")
    add.add_argument("clips", nargs="+", metavar="CLIP", help="an audio file, or FILE@START-END (seconds)")
    listing = actions.add_parser("list", help="the voices enrolled: clips, seconds of speech, speaker model")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    remove = actions.add_parser("remove", help="forget a voice")
    remove.add_argument("name")
    rename = actions.add_parser("rename", help="give a voice another name")
    rename.add_argument("old")
    rename.add_argument("new")
    for action in (add, listing, remove, rename):
        add_voice_library_argument(action)
        action.add_argument("--debug", action="store_true", help="show tracebacks")
        action.set_defaults(run=run)


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    library = VoiceLibrary(args.voice_library)
    try:
        if args.action == "add":
            from longscribe.diarize.enrol import enrol
            from longscribe.diarize.sessions import DiarizationModels

            voice = library.add(enrol(DiarizationModels(), args.name, args.clips))
            console.print(f"{voice.name}: {len(voice.clips)} clip(s), {voice.seconds:.1f} s of speech", markup=False)
        elif args.action == "list":
            _print_list(library, args.json)
        elif args.action == "remove":
            library.remove(args.name)
            console.print(f"{args.name}: removed", markup=False)
        else:
            library.rename(args.old, args.new)
            console.print(f"{args.old} -> {args.new}", markup=False)
    except LongscribeError as exc:
        if args.debug:
            console.print_exception()
        print_error(exc, console)
        return exc.exit_code
    return 0


def _print_list(library: VoiceLibrary, as_json: bool) -> None:
    voices = library.voices()
    rows = [{"name": v.name, "clips": len(v.clips), "seconds": round(v.seconds, 1), "model": v.model} for v in voices]
    if as_json:
        print(json.dumps({"library": str(library.directory), "voices": rows}, indent=1))
        return
    table = Table(title=f"voices in {library.directory}", title_justify="left")
    for column in ("name", "clips", "seconds", "model"):
        table.add_column(column, justify="right" if column in ("clips", "seconds") else "left")
    for row in rows:
        table.add_row(*(str(row[c]) for c in ("name", "clips", "seconds", "model")))
    Console(highlight=False).print(table)
