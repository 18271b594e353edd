"""``longscribe voices add|list|remove|rename``: the voice library, by name.

A voice is enrolled from clips of that person alone (``FILE`` or ``FILE@START-END`` in seconds);
the library keeps their embeddings, never the audio (:mod:`longscribe.diarize.library`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from longscribe.cli.common import UsageError, add_voice_library_argument
from longscribe.cli.console import print_error, stderr_console
from longscribe.cli.environment import Environment
from longscribe.diarize.library import Clip, Voice, VoiceLibrary
from longscribe.errors import LongscribeError, VoiceLibraryError
from longscribe.jobs.places import JobPlaces, locate_job
from longscribe.models.resolve import cache_dir
from longscribe.types import SAMPLE_RATE


def add_voices_parser(sub: Any) -> None:
    p = sub.add_parser("voices", help="enrol, list, rename or remove voices known by name")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="enrol a voice from clips of that person alone (or add clips to it)")
    add.add_argument("name", help="the voice's name, as transcripts will show it")
    add.add_argument("clips", nargs="*", metavar="CLIP", help="an audio file, or FILE@START-END (seconds)")
    add.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="FILE_OR_JOB",
        help="instead of clips: a speaker of this finished --diarize job (its stored voice; nothing is run again)",
    )
    add.add_argument(
        "--speaker", default=None, metavar="LABEL", help="with --from: the speaker, as the transcript names it"
    )
    add.add_argument(
        "--job-dir", default=None, help="with --from: the job store (default: the stores transcribe used for the input)"
    )
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
        check_add(args)
        if args.action == "add":
            from longscribe.diarize.enrol import enrol
            from longscribe.diarize.sessions import DiarizationModels

            voice = library.add(
                _from_job(args, env) if args.source else enrol(DiarizationModels(), args.name, args.clips)
            )
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


def check_add(args: argparse.Namespace) -> None:
    """``voices add`` takes clips, or ``--from`` with ``--speaker``."""
    if args.action != "add":
        return
    if (args.source is None) == (not args.clips):
        raise UsageError("longscribe voices add: give clips, or --from FILE_OR_JOB --speaker LABEL (not both)")
    if (args.speaker is None) != (args.source is None) or args.job_dir is not None and args.source is None:
        raise UsageError("longscribe voices add: --speaker and --job-dir go with --from")


def _from_job(args: argparse.Namespace, env: Environment) -> Voice:
    """The voice of one speaker of a finished ``--diarize`` job, from its stored windows."""
    from longscribe.diarize.enrol import MIN_SPEECH_SECONDS
    from longscribe.pipeline.speakers import stored_speakers

    job_dir = None if args.job_dir is None else Path(args.job_dir)
    store, job = locate_job(args.source, Path("."), job_dir, JobPlaces(cache_dir(env.cache_dir)))
    try:
        track = stored_speakers(store, job)
    finally:
        store.close()
    if args.speaker not in track.voiceprints:
        have = ", ".join(track.voiceprints) or "none"
        raise VoiceLibraryError(f"{args.source}: no speaker {args.speaker!r} (speakers: {have})")
    heard = sum(t.end - t.start for t in track.turns if t.speaker == args.speaker) / SAMPLE_RATE
    if heard < MIN_SPEECH_SECONDS:
        raise VoiceLibraryError(
            f"{args.source}: {args.speaker} speaks {heard:.1f} s, at least {MIN_SPEECH_SECONDS:g} s are needed"
        )
    clip = Clip(f"{job.input} {args.speaker}", round(heard, 3))
    return Voice(args.name, track.model, track.voiceprints[args.speaker][None], (clip,))


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
