"""``longscribe transcribe FILE...``: flags named as in openai-whisper's CLI where it has one."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from longscribe.audio import AudioStream, check_input
from longscribe.audio.decode import format_clock
from longscribe.cli import output
from longscribe.cli.environment import Environment
from longscribe.cli.export import FINISHED
from longscribe.cli.inputs import expand, output_names
from longscribe.cli.interrupt import EXIT_INTERRUPTED, ctrl_c
from longscribe.cli.outputs import (
    SUBTITLE_FORMATS,
    add_output_arguments,
    cue_options,
    output_options,
    page_audio,
)
from longscribe.cli.progress import ProgressBar
from longscribe.cli.summary import OK_STATUSES, FileResult, print_summary
from longscribe.diarize.channels import check_channels
from longscribe.errors import LongscribeError, OptionsError, OutputError, UnsupportedDeviceError
from longscribe.jobs import JobStore, open_store
from longscribe.jobs.places import JobPlaces
from longscribe.jobs.store import JOB_DIR
from longscribe.models.resolve import cache_dir
from longscribe.options import (
    COMPUTE_TYPES,
    DIARIZE_MODES,
    QUALITIES,
    TIMESTAMPS,
    DiarizeOptions,
    TranscribeOptions,
    VadOptions,
    temperature_ladder,
)
from longscribe.pipeline import Transcriber, Transcription
from longscribe.types import SAMPLE_RATE, TranscriptInfo
from longscribe.writers import WRITERS, OutputSet, check_output_dir, parse_formats

EXAMPLES = """examples:
  longscribe transcribe talk.mp3                          every format into the current folder
  longscribe transcribe *.m4a -o out -f srt,txt            a folder of files, two formats
  longscribe transcribe meeting.wav --diarize --speaker-names Ana,Ben -f srt
  longscribe transcribe lecture.mp4 --model auto --deadline 10m
  longscribe transcribe podcast.mp3 --language es --word-timestamps -f json

Run the same command again after a crash or Ctrl-C: it resumes from the job store.
"""


def add_transcribe_parser(sub: Any) -> None:
    p = sub.add_parser(
        "transcribe",
        help="transcribe audio/video files",
        description="Transcribe audio/video files.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="audio or video files")
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
    model = p.add_argument_group("model and device")
    add_placement_arguments(model)
    model.add_argument(
        "--quality", default="balanced", choices=QUALITIES, help="with --model auto: how fast it must be"
    )
    model.add_argument(
        "--deadline", type=parse_duration, default=None, help="with --model auto: finish within e.g. 10m, 1h30m"
    )
    model.add_argument("--unload", action="store_true", help="free the model after each file")
    model.add_argument("--threads", type=int, default=0, help="CPU threads per worker (0: chosen)")
    model.add_argument("--workers", type=int, default=None, help="concurrent engine workers (default: chosen)")
    model.add_argument(
        "--batch-size", "--batch_size", type=int, default=None, help="chunks per engine call (default: chosen)"
    )
    model.add_argument(
        "--tuned",
        action="store_true",
        help="let this machine's `longscribe tune` result set beam size and compute type too (can change the text)",
    )
    decoding = p.add_argument_group("decoding")
    decoding.add_argument(
        "--task",
        default="transcribe",
        choices=("transcribe", "translate"),
        help="transcribe (default) in the language spoken, or translate into English",
    )
    decoding.add_argument("--beam-size", "--beam_size", type=int, default=None, help="beam width (default: 5)")
    decoding.add_argument(
        "--best-of",
        "--best_of",
        type=int,
        default=TranscribeOptions.best_of,
        help=f"candidates sampled at each fallback temperature (default: {TranscribeOptions.best_of})",
    )
    decoding.add_argument(
        "--temperature-increment-on-fallback",
        "--temperature_increment_on_fallback",
        type=float,
        default=0.2,
        help="temperature step of the fallback's retries, 0..1 (0: no sampled retries)",
    )
    decoding.add_argument(
        "--word-timestamps", "--word_timestamps", action="store_true", help="time each word (json: words)"
    )
    decoding.add_argument(
        "--condition-on-previous-text",
        "--condition_on_previous_text",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="prompt each chunk with the previous text (off: it feeds repetition loops)",
    )
    decoding.add_argument(
        "--initial-prompt",
        "--initial_prompt",
        default=None,
        metavar="TEXT",
        help="text that prompts the first chunk: names and spellings the speaker uses",
    )
    decoding.add_argument(
        "--timestamps",
        default=TranscribeOptions.timestamps,
        choices=TIMESTAMPS,
        help="aligned (default): decode text only in 30 s chunks, time words by alignment, cut sentences; "
        "decoded: Whisper's own timestamp tokens cut the segments (24 s chunks)",
    )
    decoding.add_argument(
        "--chunk-size",
        "--chunk_size",
        type=float,
        default=None,
        metavar="SECONDS",
        help="longest chunk VAD may build, 1..30 s (default: 30 with aligned timestamps, 24 with decoded)",
    )
    decoding.add_argument(
        "--vad", action=argparse.BooleanOptionalAction, default=True, help="cut at speech (default) or in fixed windows"
    )
    decoding.add_argument(
        "--vad-threshold",
        type=float,
        default=VadOptions.threshold,
        help=f"speech probability from which VAD hears speech, 0..1 (default: {VadOptions.threshold})",
    )
    decoding.add_argument(
        "--speech-guard",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="drop text where VAD heard no speech (default; --no-speech-guard for e.g. singing)",
    )
    language = p.add_argument_group("language")
    language.add_argument(
        "--language",
        default=None,
        help="auto (default: each stretch of speech in its own language), first (the first chunk's for the whole"
        " file), or a code such as en for the whole file",
    )
    add_speaker_arguments(p.add_argument_group("speakers"))
    add_output_arguments(p.add_argument_group("subtitles and page"))
    jobs = p.add_argument_group("jobs")
    jobs.add_argument(
        "--job-dir", default=None, help="where the resumable job store lives (default: OUTPUT_DIR/.longscribe)"
    )
    jobs.add_argument("--restart", action="store_true", help="discard saved progress and start again")
    jobs.add_argument("--wait", action="store_true", help="wait for another process transcribing the same input")
    cluster = p.add_argument_group("cluster")
    cluster.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        default=None,
        metavar="ADDRESS",
        help="run on Ray: auto (the running cluster, $RAY_ADDRESS), local (start one here) or an address",
    )
    cluster.add_argument(
        "--ray-audio",
        default="auto",
        choices=("auto", "arrays"),
        help="on Ray: auto (actors that can read the input get chunk spans) or arrays (always send samples)",
    )
    display = p.add_argument_group("display")
    display.add_argument("--quiet", action="store_true", help="no progress bar or per-file lines, only errors")
    display.add_argument("--verbose", action="store_true", help="log what happens")
    display.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(run=run)


def add_speaker_arguments(p: argparse._ActionsContainer) -> None:
    p.add_argument(
        "--diarize",
        nargs="?",
        const="speakers",
        default=None,
        choices=DIARIZE_MODES,
        help="say who speaks: speakers (default: voices told apart) or channels (one speaker per channel)",
    )
    p.add_argument("--num-speakers", type=int, default=None, metavar="N", help="with --diarize: the number of speakers")
    p.add_argument("--min-speakers", type=int, default=None, metavar="N", help="with --diarize: at least N speakers")
    p.add_argument("--max-speakers", type=int, default=None, metavar="N", help="with --diarize: at most N speakers")
    p.add_argument(
        "--speaker-names",
        default=None,
        metavar="NAMES",
        help='with --diarize: "Ana,Ben" names them in order of first appearance',
    )
    p.add_argument(
        "--diarization-models",
        default=None,
        metavar="DIR",
        help="with --diarize: a folder with pyannote-compatible segmentation-3.0.onnx and campplus-cn-en-common.onnx",
    )


def diarize_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """``diarize`` and ``diarize_options`` from the speaker flags (which need ``--diarize``)."""
    given = [
        flag
        for flag, value in (
            ("--num-speakers", args.num_speakers),
            ("--min-speakers", args.min_speakers),
            ("--max-speakers", args.max_speakers),
            ("--speaker-names", args.speaker_names),
            ("--diarization-models", args.diarization_models),
        )
        if value is not None
    ]
    if args.diarize is None:
        if given:
            raise OptionsError(f"{given[0]} needs --diarize")
        return {}
    if args.diarize == "channels" and args.diarization_models is not None:
        raise OptionsError("--diarization-models is for --diarize speakers (channels need no models)")
    names = tuple(n.strip() for n in args.speaker_names.split(",")) if args.speaker_names is not None else ()
    if any(not n for n in names):
        raise OptionsError(f"--speaker-names takes names separated by commas, got {args.speaker_names!r}")
    options = DiarizeOptions(
        num_speakers=args.num_speakers,
        min_speakers=1 if args.min_speakers is None else args.min_speakers,
        max_speakers=args.max_speakers,
        speaker_names=names,
        models=args.diarization_models,
    )
    if args.diarization_models is not None and not Path(args.diarization_models).is_dir():
        raise OptionsError(f"--diarization-models {args.diarization_models}: no such folder")
    return {"diarize": args.diarize, "diarize_options": options}


def add_placement_arguments(p: argparse._ActionsContainer) -> None:
    """Flags shared by ``transcribe`` and ``devices``."""
    p.add_argument(
        "--model", default=TranscribeOptions.model, help="tiny.en, base, ..., a model dir, a hub id, or auto"
    )
    p.add_argument(
        "--device",
        default=None,
        help="auto, cpu, cuda, cuda:N, metal, or mlx-cpu (MLX on the CPU); default: $LONGSCRIBE_DEVICE, else auto",
    )
    p.add_argument(
        "--compute-type",
        "--compute_type",
        default=None,
        choices=COMPUTE_TYPES,
        metavar="TYPE",
        help="int8, float16, int8_float16, ... (default: $LONGSCRIBE_COMPUTE_TYPE, else the best for the device)",
    )


def placement_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The options every planning command shares: ``--model``, ``--device`` and ``--compute-type``
    (their defaults from the environment, read once by the command), and the cache."""
    env: Environment = args.env
    return {
        "model": args.model,
        "device": env.device if args.device is None else args.device,
        "compute_type": env.compute_type if args.compute_type is None else args.compute_type,
        "cache_dir": env.cache_dir,
    }


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``10m``, ``1h30m`` -> seconds."""
    m = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", text.strip())
    if not text.strip() or not m or not any(m.groups()):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 600, 10m, 1h30m)")
    h, mnt, s = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mnt * 60 + s


MIN_TEMPERATURE_STEP = 0.05  # at most 20 sampled retries of a chunk


def temperatures_from_increment(step: float) -> tuple[float, ...]:
    """openai-whisper's ``--temperature_increment_on_fallback``: 0, step, 2 step ... up to 1 (0: no retries)."""
    if step == 0:
        return (0.0,)
    if not MIN_TEMPERATURE_STEP <= step <= 1:  # also refuses nan
        raise OptionsError(
            f"--temperature-increment-on-fallback must be 0 (no sampled retries) or within"
            f" {MIN_TEMPERATURE_STEP:g}..1, got {step:g}",
            "temperature_increment_on_fallback",
        )
    return temperature_ladder(0.0, step)


def options_from_args(args: argparse.Namespace) -> TranscribeOptions:
    """The command line (and the environment, read once by the command) as options."""
    return TranscribeOptions(
        **placement_from_args(args),
        quality=args.quality,
        deadline_seconds=args.deadline,
        cpu_threads=args.threads,
        workers=args.workers,
        language=args.language,
        task=args.task,
        beam_size=args.beam_size,
        best_of=args.best_of,
        batch_size=args.batch_size,
        temperatures=temperatures_from_increment(args.temperature_increment_on_fallback),
        word_timestamps=args.word_timestamps or _subtitles_need_words(args),
        condition_on_previous_text=args.condition_on_previous_text,
        initial_prompt=args.initial_prompt,
        vad=args.vad,
        vad_options=VadOptions(threshold=args.vad_threshold),
        chunk_seconds=args.chunk_size,
        timestamps=args.timestamps,
        speech_guard=args.speech_guard,
        use_tuning=args.tuned,
        ray=args.ray,
        ray_audio=args.ray_audio,
        **diarize_from_args(args),
    )


def _subtitles_need_words(args: argparse.Namespace) -> bool:
    """Cues are cut on word times: with decoded timestamps, words are timed when subtitles are written."""
    try:
        formats = parse_formats(args.output_format, speakers=True)  # only the subtitle formats matter here
    except LongscribeError:
        return False
    return args.subtitle_style != "none" and any(f in SUBTITLE_FORMATS for f in formats)


def run(args: argparse.Namespace) -> int:
    console = output.stderr()
    try:
        options = options_from_args(args)
        formats = parse_formats(args.output_format, speakers=options.diarize is not None)
        args.cues = cue_options(args)
    except (LongscribeError, ValueError) as exc:
        output.error(exc, console)
        return 2
    inputs = expand(args.files)
    results = [FileResult(path, "failed", detail=problem) for path, problem in inputs.errors]
    for path, problem in inputs.errors:
        output.error(f"{path}: {problem}", console)
    out_dir = Path(args.output_dir)
    job_dir = Path(args.job_dir) if args.job_dir else out_dir / JOB_DIR
    try:
        check_output_dir(out_dir)
        check_job_dir(job_dir)
    except LongscribeError as exc:
        output.error(exc, console)
        return 1
    transcriber = Transcriber(options)
    if any(_usable(path) for path in inputs.files):  # load once, before any job is touched
        try:
            transcriber.load(audio_seconds=_total_seconds(inputs.files) if options.model == "auto" else None)
        except LongscribeError as exc:
            sources = (
                args.env.sources(args.device, args.compute_type) if isinstance(exc, UnsupportedDeviceError) else ""
            )
            output.error(f"{exc}{sources}", console)
            return exc.exit_code
        assert transcriber.plan is not None
        if options.model == "auto" and not args.quiet:
            console.print(f"model auto: {transcriber.plan.model_reason}", markup=False)
        for warning in transcriber.plan.warnings:
            output.warning(warning, console)
        if not transcriber.engine.multilingual and options.given_language is None and not args.quiet:
            console.print(f"{transcriber.plan.model.name} is English-only: every file is English", markup=False)
    names = output_names(inputs.files)
    for path, name in names.items():
        if name != Path(path).stem:
            console.print(f"longscribe: {path}: another input has the same name; writing {name}.*", markup=False)
    run = FileRun(transcriber, job_dir, out_dir, formats, console, args)
    with ctrl_c(run.say), ProgressBar(console, enabled=not args.quiet) as bar:
        for index, path in enumerate(inputs.files):
            result = run.one(path, names[path], bar)
            results.append(result)
            if result.status in ("model-error", "interrupted"):
                results.extend(FileResult(p, "not run") for p in inputs.files[index + 1 :])
                break
            if args.unload:
                transcriber.unload()
    run.close()
    if len(results) > 1 and not args.quiet:
        print_summary(console, results)
    if any(r.status == "interrupted" for r in results):
        return EXIT_INTERRUPTED
    return 0 if results and all(r.status in OK_STATUSES for r in results) else 1


def check_job_dir(directory: Path) -> None:
    """Refuse, before any work, a job store path that cannot become a directory (nothing is created yet)."""
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(str(directory), f"cannot hold the job store ({existing} is not a directory)")


class FileRun:
    """Transcribes one input into its outputs, through the job store (opened for the first input that needs it)."""

    def __init__(
        self,
        transcriber: Transcriber,
        job_dir: Path,
        out_dir: Path,
        formats: tuple[str, ...],
        console: Console,
        args: argparse.Namespace,
    ) -> None:
        self.transcriber, self.job_dir, self.out_dir, self.formats = transcriber, job_dir, out_dir, formats
        self.console, self.args = console, args
        self._store: JobStore | None = None
        self.places = JobPlaces(cache_dir(transcriber.options.cache_dir))

    @property
    def store(self) -> JobStore:
        if self._store is None:
            self._store = open_store(self.job_dir, restart=self.args.restart)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def say(self, text: str) -> None:
        self.console.print(text, markup=False)

    def one(self, path: str, name: str, bar: ProgressBar) -> FileResult:
        """Transcribe ``path`` into ``OUTPUT_DIR/<name>.<format>``."""
        if self.args.skip_existing and all((self.out_dir / f"{name}.{f}").is_file() for f in self.formats):
            if not self.args.quiet:
                self.say(f"{path}: outputs exist, skipped")
            return FileResult(path, "skipped", output=name)
        started = time.perf_counter()
        transcription: Transcription | None = None
        try:
            check_input(path)
            with AudioStream(path) as probe:  # not audio (or one channel for channels): said before the job store
                if self.transcriber.options.diarize == "channels":
                    check_channels(path, probe.channels)
            with self.store.lock(str(Path(path).resolve()), wait=self.args.wait):
                audio = page_audio(self.args.html_audio, path, self.out_dir / f"{name}.html")
                how = output_options(self.args, self.args.cues, audio)
                with OutputSet(self.out_dir, name, self.formats, how) as out:
                    transcription = self.transcriber.transcribe(
                        path, on_progress=bar.update, store=self.store, restart=self.args.restart
                    )
                    self._announce(path, transcription)
                    if transcription.job is not None:  # so that `export FILE` finds it from anywhere
                        job = transcription.job.job
                        self.places.record(job.fingerprint["sampled_sha256"], self.store.directory, job.input)
                    for segment in transcription:
                        out.write(segment)
                    info = transcription.info
                    written = out.commit(info)
                    transcription.mark_written()
                if "html" in written:
                    audio.place(written["html"])
        except LongscribeError as exc:
            bar.finish(path)
            if self.args.debug:
                self.console.print_exception()
            message = str(exc)
            output.error(message if path in message else f"{path}: {message}", self.console)
            status = "model-error" if _is_setup_error(exc) else "failed"
            return FileResult(path, status, detail=message, output=name)
        except KeyboardInterrupt:
            bar.finish(path)
            saved = self.store.count(transcription.job.job.id) if transcription and transcription.job else 0
            self.say(
                f"longscribe: interrupted: {saved} chunk(s) of {path} are saved in {self.store.path};"
                " run the same command again to resume"
            )
            return FileResult(path, "interrupted", output=name)
        bar.finish(path)
        wall = time.perf_counter() - started
        for warning in info.warnings:
            output.warning(f"{path}: {warning}", self.console)
        if "html" in written and audio.note and not self.args.quiet:
            self.say(f"{path}: {audio.note}")
        if not self.args.quiet:
            speed = info.duration / SAMPLE_RATE / wall if wall > 0 else 0.0
            self.say(
                f"{path}: {format_clock(info.duration)} of audio in {wall:.1f}s ({speed:.1f}x real time), "
                f"language {spoken(info)}{_speakers(info)} -> {', '.join(str(p) for p in written.values())}"
            )
        status = "ok" if info.complete else "incomplete"
        return FileResult(path, status, info.duration, wall, "; ".join(info.warnings), name, spoken(info))

    def _announce(self, path: str, transcription: Transcription) -> None:
        job = transcription.job
        if job is None or self.args.quiet:
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


def _total_seconds(files: list[str]) -> float | None:
    """What the containers announce, for --deadline; unreadable files count as nothing."""
    total = 0
    for path in files:
        try:
            with AudioStream(path) as stream:
                total += stream.expected_samples or 0
        except LongscribeError:
            continue
    return total / SAMPLE_RATE or None


def _is_setup_error(exc: LongscribeError) -> bool:
    from longscribe.errors import EngineError, ModelNotFoundError, UnsupportedDeviceError

    return isinstance(exc, (ModelNotFoundError, UnsupportedDeviceError, EngineError, OptionsError))
