"""``longscribe transcribe FILE...``: flags named as in openai-whisper's CLI where it has one."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from longscribe.audio import AudioStream, Source, check_input
from longscribe.audio.decode import format_clock
from longscribe.cli.common import Parser, add_option_arguments, options_from_args
from longscribe.cli.console import print_error, print_warning, stderr_console
from longscribe.cli.environment import Environment
from longscribe.cli.export import FINISHED
from longscribe.cli.inputs import expand
from longscribe.cli.interrupt import EXIT_INTERRUPTED, ctrl_c
from longscribe.cli.outputs import (
    add_output_arguments,
    output_options,
    page_audio,
)
from longscribe.cli.progress import ProgressBar
from longscribe.cli.summary import OK_STATUSES, FileResult, print_summary
from longscribe.cli.targets import FeedChoice, Target, resolve
from longscribe.diarize.channels import check_channels
from longscribe.errors import (
    EngineError,
    LongscribeError,
    ModelNotFoundError,
    OptionsError,
    OutputError,
    UnsupportedDeviceError,
)
from longscribe.jobs import JobStore, open_store
from longscribe.jobs.handle import input_key
from longscribe.jobs.places import JobPlaces, content_of
from longscribe.jobs.store import JOB_DIR
from longscribe.models.resolve import cache_dir
from longscribe.options import TranscribeOptions
from longscribe.pipeline import Transcriber, Transcription
from longscribe.revisions import load, revision_info
from longscribe.sources import SPOOL_DIR, Fetcher, FetchLimits, RemoteFile, resolve_page
from longscribe.types import SAMPLE_RATE, TranscriptInfo
from longscribe.writers import WRITERS, OutputOptions, OutputSet, check_output_dir, parse_formats

EXAMPLES = """examples:
  longscribe transcribe talk.mp3                          every format into the current folder
  longscribe transcribe *.m4a -o out -f srt,txt            a folder of files, two formats
  longscribe transcribe meeting.wav --diarize --speaker-names Ana,Ben -f srt
  longscribe transcribe lecture.mp4 --model auto --deadline 10m
  longscribe transcribe podcast.mp3 --language es --word-timestamps -f json
  longscribe transcribe https://example.org/feed.xml --latest 3 --feed-dir podcasts

Run the same command again after a crash or Ctrl-C: it resumes from the job store.
"""
PARSER_TEXT: dict[str, Any] = {
    "description": "Transcribe audio/video files.",
    "epilog": EXAMPLES,
    "formatter_class": argparse.RawDescriptionHelpFormatter,
}


def add_transcribe_parser(sub: Any) -> None:
    p = sub.add_parser("transcribe", help="transcribe audio/video files", **PARSER_TEXT)
    add_transcribe_arguments(p)
    p.set_defaults(run=run)


def transcribe_parser() -> Parser:
    """The command's parser on its own: ``bench --config`` is checked with it."""
    p = Parser(prog="longscribe transcribe", **PARSER_TEXT)
    add_transcribe_arguments(p)
    return p


def add_transcribe_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="audio/video files, folders, URLs of recordings, podcast feeds"
    )
    add_run_arguments(p, remote=True)


def add_run_arguments(p: argparse.ArgumentParser, *, remote: bool) -> None:
    """Every flag of ``transcribe`` but its inputs (``watch`` takes them too); ``remote``: the feed and URL flags."""
    files = p.add_argument_group("input and output")
    files.add_argument(
        "-o", "--output-dir", "--output_dir", default=".", help="where to write transcripts (default: .)"
    )
    files.add_argument(
        "-f",
        "--output-format",
        "--output_format",
        default="all",
        help=f"comma-separated formats: {', '.join(WRITERS)}, or all (default: all)",
    )
    files.add_argument("--skip-existing", action="store_true", help="skip inputs whose outputs all exist")
    if remote:
        add_remote_arguments(p.add_argument_group("podcasts and URLs"))
    add_option_arguments(p)
    add_output_arguments(p.add_argument_group("subtitles and page"))
    jobs = p.add_argument_group("jobs")
    jobs.add_argument(
        "--job-dir", default=None, help="where the resumable job store lives (default: OUTPUT_DIR/.longscribe)"
    )
    jobs.add_argument("--restart", action="store_true", help="discard saved progress and start again")
    jobs.add_argument("--wait", action="store_true", help="wait for another process transcribing the same input")
    display = p.add_argument_group("display")
    display.add_argument("--quiet", action="store_true", help="no progress bar or per-file lines, only errors")
    display.add_argument("--verbose", action="store_true", help="log what happens")
    display.add_argument("--debug", action="store_true", help="show tracebacks")


def add_remote_arguments(remote: argparse._ArgumentGroup) -> None:
    remote.add_argument("--latest", type=int, default=None, metavar="N", help="a feed's N newest episodes")
    remote.add_argument(
        "--since", type=_date, default=None, metavar="DATE", help="a feed's episodes published on or after YYYY-MM-DD"
    )
    remote.add_argument("--all", dest="all_episodes", action="store_true", help="every episode of a feed")
    remote.add_argument(
        "--feed-dir", default=None, metavar="DIR", help="a folder per feed in DIR (and the job store in DIR)"
    )
    remote.add_argument(
        "--download-timeout",
        type=float,
        default=FetchLimits.timeout,
        metavar="SECONDS",
        help=f"give a silent connection up after SECONDS (default: {FetchLimits.timeout:g})",
    )


def settings_from_args(
    args: argparse.Namespace, env: Environment
) -> tuple[tuple[str, ...], TranscribeOptions, OutputOptions]:
    """The formats, options and output options of a transcribing command (``transcribe``, ``watch``);
    raises on a bad value."""
    formats = parse_formats(args.output_format, speakers=args.diarize is not None)
    return formats, options_from_args(args, env, formats), output_options(args)


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    try:
        formats, options, how = settings_from_args(args, env)
        choice = FeedChoice(args.latest, args.since, args.all_episodes)
        limits = FetchLimits(timeout=args.download_timeout)
    except (LongscribeError, ValueError) as exc:
        print_error(exc, console)
        return 2
    inputs = expand(args.files)
    out_dir = Path(args.output_dir)
    feed_dir = Path(args.feed_dir) if args.feed_dir else None
    job_dir = Path(args.job_dir) if args.job_dir else (feed_dir or out_dir) / JOB_DIR
    try:
        for directory in (out_dir, *([feed_dir] if feed_dir else [])):
            check_output_dir(directory)
        check_job_dir(job_dir)
    except LongscribeError as exc:
        print_error(exc, console)
        return 1
    fetcher = Fetcher(limits)  # for URLs, and the episodes of a feed (even one read from a file)
    found = resolve(inputs, out_dir, feed_dir, choice, fetcher)
    problems = [*inputs.errors, *found.errors]
    results = [FileResult(path, "failed", detail=problem) for path, problem in problems]
    for path, problem in problems:
        print_error(f"{path}: {problem}", console)
    for note in found.notes:
        if not args.quiet:
            console.print(note, markup=False)
    targets = found.items
    transcriber = Transcriber(options)
    if any(t.remote or _usable(t.source) for t in targets):  # load once, before any job is touched
        code = load_model(transcriber, args, env, console, _total_seconds(targets) if options.model == "auto" else None)
        if code:
            return code
    for target in targets:
        if not target.remote and target.name != Path(target.source).stem:
            console.print(
                f"longscribe: {target.source}: another input has the same name; writing {target.name}.*", markup=False
            )
    run = FileRun(transcriber, job_dir, formats, how, RunFlags.from_args(args), console, fetcher)
    with ctrl_c(run.say), ProgressBar(console, enabled=not args.quiet) as bar:
        for index, target in enumerate(targets):
            result = run.one(target, bar)
            results.append(result)
            if result.status in ("model-error", "interrupted"):
                results.extend(FileResult(t.label, "not run") for t in targets[index + 1 :])
                break
            if args.unload:
                transcriber.unload()
    run.close()
    if len(results) > 1 and not args.quiet:
        print_summary(console, results)
    if any(r.status == "interrupted" for r in results):
        return EXIT_INTERRUPTED
    return 0 if results and all(r.status in OK_STATUSES for r in results) else 1


def load_model(
    transcriber: Transcriber, args: argparse.Namespace, env: Environment, console: Console, seconds: float | None
) -> int:
    """Plan and load the model, saying what was chosen and what to know; the exit status on failure, else 0."""
    try:
        transcriber.load(audio_seconds=seconds)
    except LongscribeError as exc:
        sources = env.sources(args.device, args.compute_type) if isinstance(exc, UnsupportedDeviceError) else ""
        print_error(f"{exc}{sources}", console)
        return exc.exit_code
    assert transcriber.plan is not None
    options = transcriber.options
    if options.model == "auto" and not args.quiet:
        console.print(f"model auto: {transcriber.plan.model_reason}", markup=False)
    for warning in transcriber.plan.warnings:
        print_warning(warning, console)
    if not transcriber.engine.multilingual and options.given_language is None and not args.quiet:
        console.print(f"{transcriber.plan.model.name} is English-only: every file is English", markup=False)
    return 0


def check_job_dir(directory: Path) -> None:
    """Refuse, before any work, a job store path that cannot become a directory (nothing is created yet)."""
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(str(directory), f"cannot hold the job store ({existing} is not a directory)")


@dataclass(frozen=True)
class RunFlags:
    """How each input is run, beyond the options: the command line's job, page and display flags."""

    skip_existing: bool = False
    restart: bool = False
    wait: bool = False
    html_audio: str | None = None
    quiet: bool = False
    debug: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RunFlags:
        return cls(*(getattr(args, f.name) for f in fields(cls)))


class FileRun:
    """Transcribes one input into its outputs, through the job store (opened for the first input that needs it)."""

    def __init__(
        self,
        transcriber: Transcriber,
        job_dir: Path,
        formats: tuple[str, ...],
        how: OutputOptions,
        flags: RunFlags,
        console: Console,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.transcriber, self.job_dir, self.formats = transcriber, job_dir, formats
        self.how, self.flags, self.console, self.fetcher = how, flags, console, fetcher
        self._store: JobStore | None = None
        self.places = JobPlaces(cache_dir(transcriber.options.cache_dir))

    @property
    def store(self) -> JobStore:
        if self._store is None:
            self._store = open_store(self.job_dir, restart=self.flags.restart)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self.fetcher is not None:
            self.fetcher.close()

    def say(self, text: str) -> None:
        self.console.print(text, markup=False)

    def one(self, target: Target, bar: ProgressBar) -> FileResult:
        """Transcribe ``target`` into ``<its folder>/<its name>.<format>``."""
        path, name, out_dir, label = target.source, target.name, target.out_dir, target.label
        started = time.perf_counter()
        transcription: Transcription | None = None
        remote: RemoteFile | None = None
        try:
            skipped = self._skipped(target)
            if skipped is not None:
                if not self.flags.quiet:
                    self.say(f"{label}: {skipped}, skipped")
                return FileResult(label, "skipped", output=name)
            source: Source = path
            if target.remote:
                remote = self._download(target)
                source = remote
                done = self.store.find_written(self.transcriber.job_options(), **remote.identity)
                if done is not None:  # unchanged since: no need to fetch it again
                    remote.discard()
                    if not self.flags.quiet:
                        self.say(f"{label}: transcribed before (job {done.id}); `export {path}` writes it again")
                    return FileResult(label, "skipped", output=name)
            with AudioStream(source) as probe:  # not audio (or one channel for channels): said before the job store
                if self.transcriber.options.diarize == "channels":
                    check_channels(path, probe.channels)
            with self.store.lock(input_key(source), wait=self.flags.wait, on_wait=self._waiting(label)):
                audio = page_audio(self.flags.html_audio, path, out_dir / f"{name}.html")
                with OutputSet(out_dir, name, self.formats, replace(self.how, audio=audio.src)) as out:
                    transcription = self.transcriber.transcribe(
                        source, on_progress=bar.update, store=self.store, restart=self.flags.restart
                    )
                    self._announce(label, transcription)
                    info = self._write(transcription, out, label)
                    written = out.commit(info)
                    transcription.mark_written()
                if "html" in written:
                    audio.place(written["html"])
            if remote is not None:  # the job is finished: its download is no longer needed
                remote.discard()
        except LongscribeError as exc:
            bar.finish(path)
            if self.flags.debug:
                self.console.print_exception()
            message = str(exc)
            print_error(message if path in message else f"{label}: {message}", self.console)
            status = "model-error" if _is_setup_error(exc) else "failed"
            return FileResult(label, status, detail=message, output=name)
        except KeyboardInterrupt:
            bar.finish(path)
            saved = self.store.count(transcription.job.job.id) if transcription and transcription.job else 0
            self.say(
                f"longscribe: interrupted: {saved} chunk(s) of {label} are saved in {self.store.path};"
                " run the same command again to resume"
            )
            return FileResult(label, "interrupted", output=name)
        finally:
            if remote is not None:
                remote.close()
        bar.finish(path)
        wall = time.perf_counter() - started
        for warning in info.warnings:
            print_warning(f"{label}: {warning}", self.console)
        if "html" in written and audio.note and not self.flags.quiet:
            self.say(f"{label}: {audio.note}")
        if not self.flags.quiet:
            speed = info.duration / SAMPLE_RATE / wall if wall > 0 else 0.0
            self.say(
                f"{label}: {format_clock(info.duration)} of audio in {wall:.1f}s ({speed:.1f}x real time), "
                f"language {spoken(info)}{_speakers(info)} -> {', '.join(str(p) for p in written.values())}"
            )
        status = "ok" if info.complete else "incomplete"
        return FileResult(label, status, info.duration, wall, "; ".join(info.warnings), name, spoken(info))

    def _skipped(self, target: Target) -> str | None:
        """Why ``target`` needs no run: its outputs exist (``--skip-existing``), or it is an episode
        transcribed before with these options (found by its GUID, without fetching it)."""
        if self.flags.skip_existing and all((target.out_dir / f"{target.name}.{f}").is_file() for f in self.formats):
            return "outputs exist"
        if target.episode is not None:
            done = self.store.find_written(self.transcriber.job_options(), guid=target.episode.guid)
            if done is not None:
                return f"transcribed before (job {done.id})"
        return None

    def _write(self, transcription: Transcription, out: OutputSet, label: str) -> TranscriptInfo:
        """Hand the transcript to the outputs (the latest correction, when the job holds some); the info
        to commit them with."""
        job = transcription.job.job if transcription.job is not None else None
        content = content_of(job) if job is not None else None
        if job is not None and content is not None:  # so that `export FILE` (or URL) finds it from anywhere
            self.places.record(content, self.store.directory, job.input)
        corrected = self.store.latest_revision(job.id) if job else 0
        for segment in transcription:
            if not corrected:
                out.write(segment)
        info = transcription.info
        if corrected and job is not None:  # the outputs are the latest correction
            revision = load(self.store, job, info, corrected)
            info = revision_info(info, revision)
            for segment in revision.segments:
                out.write(segment)
            if not self.flags.quiet:
                self.say(f"{label}: the job holds corrections: writing revision {corrected}")
        return info

    def _download(self, target: Target) -> RemoteFile:
        """Start fetching a URL into the job store's spool (an episode's GUID is part of its identity;
        a page's stream is found again now)."""
        assert self.fetcher is not None
        spool = self.store.directory / SPOOL_DIR
        if target.page:
            page = resolve_page(target.source, self.fetcher.limits.timeout)
            return RemoteFile(
                target.source,
                self.fetcher,
                spool,
                about={"title": page.title},
                fetch_url=page.url,
                headers=page.headers,
            )
        episode = target.episode
        return RemoteFile(
            target.source,
            self.fetcher,
            spool,
            extra={"guid": episode.guid} if episode else None,
            about=episode.about() if episode else None,
        )

    def _waiting(self, path: str) -> Callable[[str], None]:
        def say(owner: str) -> None:
            if not self.flags.quiet:
                self.say(f"{path}: waiting for process {owner}, which is transcribing it")

        return say

    def _announce(self, path: str, transcription: Transcription) -> None:
        job = transcription.job
        if job is None or self.flags.quiet:
            return
        if job.status.startswith("restarted"):
            self.say(f"{path}: {job.status.split(': ', 1)[1]}, starting a new job")
        elif job.status == "resumed" and job.job.status in FINISHED:
            self.say(f"{path}: already transcribed (job {job.job.id}); writing the outputs from the job store")
        elif job.status == "resumed":
            done = self.store.count(job.job.id)
            if done:
                self.say(f"{path}: resuming job {job.job.id}: {done} chunk(s) already done")


def spoken(info: TranscriptInfo) -> str:
    """``en``, or ``en → de → en`` when the language changed."""
    return " → ".join(info.language_runs) if info.language_runs else info.language or "-"


def _speakers(info: TranscriptInfo) -> str:
    if not info.options.get("diarize"):
        return ""
    return f", {len(info.speakers)} speaker(s)"


def _usable(path: str) -> bool:
    try:
        check_input(path)
    except LongscribeError:
        return False
    return True


def _total_seconds(targets: list[Target]) -> float | None:
    """What the containers announce, for --deadline; unreadable files (and URLs) count as nothing."""
    total = 0
    for target in targets:
        if target.remote:
            continue
        try:
            with AudioStream(target.source) as stream:
                total += stream.expected_samples or 0
        except LongscribeError:
            continue
    return total / SAMPLE_RATE or None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r} (e.g. 2026-01-31)") from None


def _is_setup_error(exc: LongscribeError) -> bool:
    return isinstance(exc, (ModelNotFoundError, UnsupportedDeviceError, EngineError, OptionsError))
