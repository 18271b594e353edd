"""``longscribe export FILE_OR_JOB -f srt``: outputs again from the job store, without transcribing.

It writes the latest revision (the corrections, when there are any), or ``--revision N``;
``--apply corrected.json`` first stores that document as a new revision.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from longscribe.cli.common import add_voice_library_argument, add_voices_argument, voices_from_flag
from longscribe.cli.console import print_error, stderr_console
from longscribe.cli.environment import Environment
from longscribe.cli.outputs import add_output_arguments, output_options, page_audio
from longscribe.diarize.assign import parse_renames, renamed, speaker_summary
from longscribe.errors import (
    DocumentError,
    InputError,
    JobStateError,
    LongscribeError,
    OptionsError,
    RevisionConflict,
)
from longscribe.jobs.places import JobPlaces, locate_job
from longscribe.jobs.store import COMPLETE, DECODED, INCOMPLETE, SUPERSEDED, Job, JobStore
from longscribe.models.resolve import cache_dir
from longscribe.pipeline.speakers import stored_speakers
from longscribe.revisions import (
    MAX_DOCUMENT_BYTES,
    Revision,
    correct,
    history,
    load,
    machine_segments,
    revision_info,
)
from longscribe.types import Segment, TranscriptInfo
from longscribe.writers import WRITERS, OutputSet, parse_formats

FINISHED = (DECODED, COMPLETE, INCOMPLETE, SUPERSEDED)


def add_export_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="write a finished job's transcript again, in any format")
    p.add_argument("target", metavar="FILE_OR_JOB", help="the input file that was transcribed, or its job id")
    p.add_argument("-o", "--output-dir", "--output_dir", default=".", help="where to write (default: .)")
    p.add_argument("-f", "--output-format", "--output_format", default="all", help=f"{', '.join(WRITERS)} or all")
    p.add_argument(
        "--job-dir",
        default=None,
        help="the job store (default: OUTPUT_DIR/.longscribe, then the stores transcribe used for this input)",
    )
    p.add_argument("--word-timestamps", "--word_timestamps", action="store_true", help="words in json output")
    p.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="name speakers: --rename SPEAKER_00=Ana,SPEAKER_01=Ben (or the flag once per speaker)",
    )
    p.add_argument(
        "--revision",
        type=int,
        default=None,
        metavar="N",
        help="write revision N (default: the latest; 0: as transcribed)",
    )
    p.add_argument(
        "--apply",
        default=None,
        metavar="CORRECTED.json",
        help="store this corrected transcript (json, as the page downloads it) as a new revision, and write it",
    )
    p.add_argument("--list-revisions", action="store_true", help="list the job's revisions and write nothing")
    add_voices_argument(p, "again, from the job's stored voices (no audio decoded): ")
    add_voice_library_argument(p)
    add_output_arguments(p)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    try:
        written = export(args, env)
    except LongscribeError as exc:
        if args.debug:
            console.print_exception()
        print_error(exc, console)
        return exc.exit_code
    if not args.list_revisions:
        console.print(f"{args.target} -> {', '.join(str(p) for p in written)}", markup=False)
    return 0


def export(args: argparse.Namespace, env: Environment) -> list[Path]:
    renames = parse_renames(args.rename)
    voices = voices_from_flag(args.voices)
    if args.voice_library is not None and voices is None:
        raise OptionsError("--voice-library needs --voices", "voice_library")
    if args.apply is not None and args.revision is not None:
        raise OptionsError("--apply makes a new revision: it takes no --revision", "revision")
    how = output_options(args)
    out_dir = Path(args.output_dir)
    places = JobPlaces(cache_dir(env.cache_dir))
    store, job = locate_job(args.target, out_dir, None if args.job_dir is None else Path(args.job_dir), places)
    try:
        if job.status not in FINISHED or job.info is None:
            done = store.count(job.id)
            raise JobStateError(
                f"{args.target}: job {job.id} is not finished ({done} chunks saved); run transcribe again"
            )
        if args.list_revisions:
            for number, created, said in history(store, job):
                print(f"{number}\t{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(created))}\t{said}")
            return []
        info = TranscriptInfo.from_dict(job.info)
        number = store.latest_revision(job.id) if args.revision is None else args.revision
        if voices is not None:
            if number or args.apply is not None:
                raise OptionsError(
                    f"{args.target}: --voices names the speakers as transcribed (revision 0); this job has"
                    " corrections: name speakers in them, or add --revision 0",
                    "voices",
                )
            track = stored_speakers(store, job, voices=voices, voice_library=args.voice_library)
            info = replace(info, speaker_turns=track.turns, speakers=speaker_summary(track.turns, track.voices))
        if args.apply is not None:
            number = _apply(store, job, info, args.apply).number
        info, segments = _revision(store, job, info, number, renames)
        try:
            formats = parse_formats(args.output_format, speakers=bool(info.speaker_turns))
        except OptionsError as exc:
            raise OptionsError(f"{args.target}: {exc}", exc.field) from None
        name = Path(job.input).stem
        audio = page_audio(args.html_audio, job.input, out_dir / f"{name}.html")
        with OutputSet(out_dir, name, formats, replace(how, audio=audio.src)) as out:
            for segment in segments:
                out.write(segment)
            written = out.commit(info)
        if "html" in written:
            audio.place(written["html"])
        return list(written.values())
    finally:
        store.close()


def _revision(
    store: JobStore, job: Job, info: TranscriptInfo, number: int, renames: dict[str, str]
) -> tuple[TranscriptInfo, Iterable[Segment]]:
    """The info and segments of revision ``number``, speakers renamed (revision 0 streams from the chunks)."""
    if number == 0:
        info = renamed(info, renames)
        return info, machine_segments(store, job, info)
    revision = load(store, job, info, number)
    info = renamed(revision_info(info, revision), renames)
    return info, [replace(s, speaker=renames.get(s.speaker, s.speaker)) if s.speaker else s for s in revision.segments]


def _apply(store: JobStore, job: Job, info: TranscriptInfo, path: str) -> Revision:
    """Store the corrected transcript in ``path`` (JSON) as the job's next revision. It must have been
    made from the latest revision (its ``revision`` says which it was made from)."""
    try:
        if Path(path).stat().st_size > MAX_DOCUMENT_BYTES:
            raise InputError(path, f"larger than {MAX_DOCUMENT_BYTES} bytes: not a transcript")
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    except ValueError as exc:
        raise InputError(path, f"not JSON ({exc})") from None
    base = document.get("revision") if isinstance(document, dict) else None
    try:
        return correct(store, job, info, document, base=base if isinstance(base, int) else None)
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc}", exc.field) from None
    except RevisionConflict as exc:
        raise RevisionConflict(
            f"{path}: {exc}; export --revision {exc.latest} -f json and correct that", exc.latest
        ) from None
