"""``longscribe live``: a microphone, stdin, a stream URL or a file at real time, transcribed as spoken.

Final lines are printed as they are agreed on (the partial tail in grey on a terminal) and
appended to the growing outputs; the audio heard is recorded in the job store, so
``--final-pass`` (or a later ``transcribe`` of the recording) gives a file's transcript.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from longscribe.audio.decode import is_stream_url
from longscribe.cli.console import print_error, print_warning, stderr_console
from longscribe.cli.environment import Environment
from longscribe.cli.interrupt import ctrl_c
from longscribe.cli.progress import ProgressBar
from longscribe.cli.summary import OK_STATUSES
from longscribe.cli.targets import Target
from longscribe.cli.transcribe import (
    FileRun,
    RunFlags,
    add_run_arguments,
    check_job_dir,
    load_model,
    settings_from_args,
)
from longscribe.diarize.assign import speaker_summary
from longscribe.diarize.enrol import model_id
from longscribe.diarize.online import OnlineSpeakers
from longscribe.errors import LongscribeError, OptionsError
from longscribe.jobs.store import JOB_DIR
from longscribe.live import Completed, Delta, Lagging, LiveEvent, LiveRun, LiveSession, Partial, open_capture
from longscribe.live.capture import STDIN
from longscribe.live.utterances import for_live
from longscribe.options import LiveOptions, TranscribeOptions
from longscribe.pipeline.speakers import library_voices
from longscribe.pipeline.transcriber import Transcriber
from longscribe.sources.names import safe_name, url_name
from longscribe.types import SAMPLE_RATE
from longscribe.writers import OutputOptions, OutputSet, check_output_dir

LIVE_DIR = "live"
"""Inside the job store: the recordings of live streams."""
EXAMPLES = """examples:
  longscribe live                                  the microphone (pip install 'longscribe[live]')
  longscribe live talk.mp3 --realtime              a file played at real time (a demo, a test)
  arecord -f S16_LE -r 16000 | longscribe live - --pcm-rate 16000
  longscribe live https://radio.example/stream.mp3 -f txt,srt --final-pass
"""


def add_live_parser(sub: Any) -> None:
    p = sub.add_parser(
        "live",
        help="transcribe as it is spoken: a microphone, stdin, a stream URL, or a file at real time",
        description="Transcribe a live source as it is spoken; Ctrl-C ends it and writes everything.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "source", nargs="?", default=None, metavar="SOURCE", help="a file, - (stdin) or a stream URL (default: mic)"
    )
    live = p.add_argument_group("live")
    defaults = LiveOptions()
    live.add_argument("--realtime", action="store_true", help="play a file at real time, as a live source")
    live.add_argument("--speed", type=float, default=1.0, metavar="X", help="with --realtime: X times real time")
    live.add_argument("--pcm-rate", type=int, default=None, metavar="HZ", help="stdin is raw s16le mono PCM at HZ")
    live.add_argument("--input-device", default=None, metavar="DEVICE", help="a microphone's PortAudio name or number")
    live.add_argument(
        "--final-pass",
        action="store_true",
        help="when the stream ends, transcribe its recording as a file and write that instead",
    )
    live.add_argument(
        "--silence-duration",
        type=int,
        default=defaults.silence_duration_ms,
        metavar="MS",
        help=f"silence that ends an utterance (default: {defaults.silence_duration_ms})",
    )
    live.add_argument(
        "--step",
        type=float,
        default=defaults.step_seconds,
        metavar="SECONDS",
        help=f"decode an utterance being spoken again after this much audio (default: {defaults.step_seconds:g})",
    )
    add_run_arguments(p, remote=False)
    p.set_defaults(run=run)


def live_options(args: argparse.Namespace) -> LiveOptions:
    if args.speed <= 0 or args.speed > 100:
        raise OptionsError(f"--speed must be above 0 and at most 100, got {args.speed:g}", "speed")
    if args.pcm_rate is not None and not 8000 <= args.pcm_rate <= 192_000:
        raise OptionsError(f"--pcm-rate must be 8000..192000 Hz, got {args.pcm_rate}", "pcm_rate")
    if args.diarize == "channels":
        raise OptionsError("a live stream is heard as one channel: --diarize channels is for files", "diarize")
    return LiveOptions(threshold=args.vad_threshold, silence_duration_ms=args.silence_duration, step_seconds=args.step)


def output_name(source: str | None, started: dt.datetime) -> str:
    """``talk`` for talk.mp3 or a URL's file; ``live-20261207-101500`` for the microphone and stdin."""
    if source is None or source == STDIN:
        return f"live-{started:%Y%m%d-%H%M%S}"
    return url_name(source) if is_stream_url(source) else safe_name(Path(source).stem, fallback="live")


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    try:
        formats, options, how = settings_from_args(args, env)
        live = live_options(args)
    except (LongscribeError, ValueError) as exc:
        print_error(exc, console)
        return 2
    out_dir = Path(args.output_dir)
    job_dir = Path(args.job_dir) if args.job_dir else out_dir / JOB_DIR
    started = dt.datetime.now()
    name = output_name(args.source, started)
    try:
        check_output_dir(out_dir)
        check_job_dir(job_dir)
        (job_dir / LIVE_DIR).mkdir(parents=True, exist_ok=True)
        capture = open_capture(
            args.source, speed=args.speed if args.realtime else None, pcm_rate=args.pcm_rate, device=args.input_device
        )
    except LongscribeError as exc:
        print_error(exc, console)
        return 1
    transcriber = Transcriber(for_live(options))
    code = load_model(transcriber, args, env, console, None)
    if code:
        return code
    recording = job_dir / LIVE_DIR / f"{name}-{started:%Y%m%d-%H%M%S}.wav"
    try:
        speakers = online_speakers(transcriber)
    except LongscribeError as exc:
        print_error(exc, console)
        return 1
    session = LiveSession(transcriber.engine, transcriber.decoding, live, speakers=speakers)
    stream = LiveRun(session, capture, record=recording)
    info = transcriber.new_info(str(recording))
    printer = LinePrinter(sys.stdout, quiet=args.quiet)
    if not args.quiet:
        console.print(f"listening to {capture.name} (Ctrl-C ends)", markup=False)
    try:
        with ctrl_c(console.print, stop=stream.stop), OutputSet(out_dir, name, formats, how, growing=True) as out:
            for event in stream.events():
                printer.show(event)
                if isinstance(event, Completed):
                    for segment in event.segments:
                        out.write(segment)
                        info.language = info.language or segment.language
                elif isinstance(event, Lagging):
                    print_warning(_lagging(event, transcriber), console)
            info.duration = stream.session.heard
            if speakers is not None:
                info.speaker_turns, info.speakers = speakers.turns, speaker_summary(speakers.turns, speakers.voices)
            written = out.commit(info)
    except LongscribeError as exc:
        print_error(exc, console)
        return 1
    printer.close()
    if not args.quiet:
        heard = stream.session.heard / SAMPLE_RATE
        console.print(f"{heard:.1f}s heard -> {', '.join(str(p) for p in written.values())}", markup=False)
        console.print(f"recording: {recording}", markup=False)
    if args.final_pass:
        transcriber.unload()
        return _final_pass((formats, options, how), Target(str(recording), name, out_dir), args, env, console)
    return 0


def online_speakers(transcriber: Transcriber) -> OnlineSpeakers | None:
    """With ``--diarize``: the speakers labelled utterance by utterance (the final pass, if asked,
    finds them again over the whole recording)."""
    if transcriber.options.diarize != "speakers":
        return None
    models = transcriber.speaker_models
    options = transcriber.options.diarize_options
    return OnlineSpeakers(models, options, library_voices(options, model_id(models)))


def _final_pass(
    settings: tuple[tuple[str, ...], TranscribeOptions, OutputOptions],
    target: Target,
    args: argparse.Namespace,
    env: Environment,
    console: Console,
) -> int:
    """The recording transcribed as a file, planned as one (through the job store, so it resumes),
    replacing the live outputs."""
    formats, options, how = settings
    transcriber = Transcriber(options)
    code = load_model(transcriber, args, env, console, None)
    if code:
        return code
    job_dir = Path(args.job_dir) if args.job_dir else target.out_dir / JOB_DIR
    files = FileRun(transcriber, job_dir, formats, how, RunFlags.from_args(args), console)
    try:
        with ProgressBar(console, enabled=not args.quiet) as bar:
            result = files.one(target, bar)
    finally:
        files.close()
    return 0 if result.status in OK_STATUSES else 1


def _lagging(event: Lagging, transcriber: Transcriber) -> str:
    model = transcriber.plan.model.name if transcriber.plan else transcriber.options.model
    return (
        f"this CPU is too slow for {model} live (audio waited {event.behind_seconds:.1f}s): the utterance being"
        " spoken is decoded less often until it catches up (a smaller model keeps up)"
    )


class LinePrinter:
    """Final lines on ``out``; on a terminal, the utterance being spoken too: its final words, then
    the partial tail in grey, redrawn in place."""

    def __init__(self, out: TextIO, *, quiet: bool = False) -> None:
        self.out = out
        self.quiet = quiet
        self.tty = out.isatty()
        self._final = ""

    def show(self, event: LiveEvent) -> None:
        if isinstance(event, Completed):
            self._final = ""
            if self.tty:
                self.out.write("\r\x1b[K")
            for speaker, text in _by_speaker(event):
                self.out.write(f"{speaker}: {text}\n" if speaker else text + "\n")
            self.out.flush()
        elif self.tty and not self.quiet and isinstance(event, (Delta, Partial)):
            if isinstance(event, Delta):
                self._final += event.text
                tail = ""
            else:
                tail = event.text
            self.out.write(f"\r\x1b[K{self._final.strip()}\x1b[90m{tail}\x1b[0m")
            self.out.flush()

    def close(self) -> None:
        if self.tty:
            self.out.write("\r\x1b[K")
            self.out.flush()


def _by_speaker(event: Completed) -> list[tuple[str | None, str]]:
    """The utterance's text, a line per run of one speaker's segments (one line without speakers)."""
    lines: list[tuple[str | None, str]] = []
    for segment in event.segments:
        if lines and lines[-1][0] == segment.speaker:
            lines[-1] = (segment.speaker, lines[-1][1] + segment.text)
        else:
            lines.append((segment.speaker, segment.text))
    return [(speaker, text.strip()) for speaker, text in lines if text.strip()]
