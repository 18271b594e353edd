"""``longscribe export FILE_OR_JOB -f srt``: outputs again from the job store, without transcribing."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from longscribe.cli.common import add_voice_library_argument, add_voices_argument, voices_from_flag
from longscribe.cli.console import print_error, stderr_console
from longscribe.cli.environment import Environment
from longscribe.cli.outputs import add_output_arguments, output_options, page_audio
from longscribe.diarize.assign import assign_speakers, parse_renames, renamed, speaker_summary
from longscribe.errors import JobStateError, LongscribeError, OptionsError
from longscribe.jobs.places import JobPlaces, locate_job
from longscribe.jobs.store import COMPLETE, DECODED, INCOMPLETE
from longscribe.models.resolve import cache_dir
from longscribe.pipeline.speakers import stored_speakers
from longscribe.pipeline.stitch import stitch_all
from longscribe.types import TranscriptInfo
from longscribe.writers import WRITERS, OutputSet, parse_formats

FINISHED = (DECODED, COMPLETE, INCOMPLETE)


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
    console.print(f"{args.target} -> {', '.join(str(p) for p in written)}", markup=False)
    return 0


def export(args: argparse.Namespace, env: Environment) -> list[Path]:
    renames = parse_renames(args.rename)
    voices = voices_from_flag(args.voices)
    if args.voice_library is not None and voices is None:
        raise OptionsError("--voice-library needs --voices", "voice_library")
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
        results = store.results(job.id)
        info = TranscriptInfo.from_dict(job.info)
        if voices is not None:
            track = stored_speakers(store, job, voices=voices, voice_library=args.voice_library)
            info = replace(info, speaker_turns=track.turns, speakers=speaker_summary(track.turns, track.voices))
        info = renamed(info, renames)
        try:
            formats = parse_formats(args.output_format, speakers=bool(info.speaker_turns))
        except OptionsError as exc:
            raise OptionsError(f"{args.target}: {exc}", exc.field) from None
        name = Path(job.input).stem
        audio = page_audio(args.html_audio, job.input, out_dir / f"{name}.html")
        segments = stitch_all(results[i] for i in sorted(results))
        if info.speaker_turns:
            segments = iter(assign_speakers(segments, info.speaker_turns))
        with OutputSet(out_dir, name, formats, replace(how, audio=audio.src)) as out:
            for segment in segments:
                out.write(segment)
            written = out.commit(info)
        if "html" in written:
            audio.place(written["html"])
        return list(written.values())
    finally:
        store.close()
