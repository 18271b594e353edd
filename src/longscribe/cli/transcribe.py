"""``longscribe transcribe FILE...``: flags named as in openai-whisper's CLI where it has one."""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from longscribe.audio.decode import format_clock
from longscribe.cli.progress import ProgressBar
from longscribe.errors import LongscribeError, OptionsError
from longscribe.options import COMPUTE_TYPES, QUALITIES, TranscribeOptions, VadOptions
from longscribe.pipeline import Transcriber
from longscribe.types import SAMPLE_RATE
from longscribe.writers import WRITERS, OutputSet, parse_formats


def add_transcribe_parser(sub: Any) -> None:
    p = sub.add_parser("transcribe", help="transcribe audio/video files", description="Transcribe audio/video files.")
    p.add_argument("files", nargs="+", metavar="FILE", help="audio or video files")
    p.add_argument("-o", "--output-dir", "--output_dir", default=".", help="where to write transcripts (default: .)")
    p.add_argument(
        "-f",
        "--output-format",
        "--output_format",
        default="all",
        help=f"comma-separated formats: {', '.join(WRITERS)}, or all (default: all)",
    )
    add_placement_arguments(p)
    p.add_argument("--quality", default="balanced", choices=QUALITIES, help="with --model auto: how fast it must be")
    p.add_argument(
        "--deadline", type=parse_duration, default=None, help="with --model auto: finish within e.g. 10m, 1h30m"
    )
    p.add_argument("--unload", action="store_true", help="free the model after each file")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for inference (0: one per core)")
    p.add_argument("--language", default=None, help="language code (e.g. en); detected when not given")
    p.add_argument("--task", default="transcribe", choices=("transcribe", "translate"))
    p.add_argument("--beam-size", "--beam_size", type=int, default=TranscribeOptions.beam_size)
    p.add_argument("--best-of", "--best_of", type=int, default=TranscribeOptions.best_of)
    p.add_argument(
        "--batch-size", "--batch_size", type=int, default=None, help="chunks per engine call (default: chosen)"
    )
    p.add_argument(
        "--temperature-increment-on-fallback", "--temperature_increment_on_fallback", type=float, default=0.2
    )
    p.add_argument("--word-timestamps", "--word_timestamps", action="store_true", help="time each word (json: words)")
    p.add_argument(
        "--condition-on-previous-text",
        "--condition_on_previous_text",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="prompt each chunk with the previous text (off: it feeds repetition loops)",
    )
    p.add_argument("--initial-prompt", "--initial_prompt", default=None)
    p.add_argument(
        "--vad", action=argparse.BooleanOptionalAction, default=True, help="cut at speech (default) or in fixed windows"
    )
    p.add_argument("--vad-threshold", type=float, default=VadOptions.threshold)
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-file lines, only errors")
    p.add_argument("--verbose", action="store_true", help="log what happens")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(run=run)


def add_placement_arguments(p: argparse.ArgumentParser) -> None:
    """Flags shared by ``transcribe`` and ``devices``."""
    p.add_argument(
        "--model", default=TranscribeOptions.model, help="tiny.en, base, ..., a model dir, a hub id, or auto"
    )
    p.add_argument(
        "--device", default=None, help="auto, cpu, cuda, cuda:N or metal (default: $LONGSCRIBE_DEVICE, else auto)"
    )
    p.add_argument(
        "--compute-type",
        "--compute_type",
        default=None,
        choices=COMPUTE_TYPES,
        metavar="TYPE",
        help="int8, float16, int8_float16, ... (default: $LONGSCRIBE_COMPUTE_TYPE, else the best for the device)",
    )


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``10m``, ``1h30m`` -> seconds."""
    m = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", text.strip())
    if not text.strip() or not m or not any(m.groups()):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 600, 10m, 1h30m)")
    h, mnt, s = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mnt * 60 + s


def options_from_args(args: argparse.Namespace) -> TranscribeOptions:
    step = args.temperature_increment_on_fallback
    temperatures = tuple(round(t * step, 3) for t in range(int(1 / step) + 1)) if step > 0 else (0.0,)
    return TranscribeOptions(
        model=args.model,
        device=args.device,
        compute_type=args.compute_type,
        quality=args.quality,
        deadline_seconds=args.deadline,
        cpu_threads=args.threads,
        language=args.language,
        task=args.task,
        beam_size=args.beam_size,
        best_of=args.best_of,
        batch_size=args.batch_size,
        temperatures=temperatures,
        word_timestamps=args.word_timestamps,
        condition_on_previous_text=args.condition_on_previous_text,
        initial_prompt=args.initial_prompt,
        vad=args.vad,
        vad_options=VadOptions(threshold=args.vad_threshold),
    )


@dataclass
class FileResult:
    path: str
    status: str
    duration: int = 0
    seconds: float = 0.0
    detail: str = ""


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        options = options_from_args(args)
        formats = parse_formats(args.output_format)
    except (LongscribeError, ValueError) as exc:
        console.print(f"longscribe: error: {exc}", markup=False)
        return 2
    transcriber = Transcriber(options)
    if options.model == "auto":
        try:
            transcriber.load(audio_seconds=_total_seconds(args.files))
        except LongscribeError as exc:
            console.print(f"longscribe: error: {exc}", markup=False)
            return 1
        if not args.quiet:
            console.print(f"model auto: {transcriber.model_reason}", markup=False)
    results: list[FileResult] = []
    with ProgressBar(console, enabled=not args.quiet) as bar:
        for path in args.files:
            result = _transcribe_one(transcriber, path, Path(args.output_dir), formats, bar, console, args)
            results.append(result)
            if result.status == "model-error":
                break
            if args.unload:
                transcriber.unload()
    if len(args.files) > 1 and not args.quiet:
        _summary(console, results, args.files)
    return 0 if all(r.status == "ok" for r in results) and len(results) == len(args.files) else 1


def _transcribe_one(
    transcriber: Transcriber,
    path: str,
    out_dir: Path,
    formats: tuple[str, ...],
    bar: ProgressBar,
    console: Console,
    args: argparse.Namespace,
) -> FileResult:
    started = time.perf_counter()
    try:
        with OutputSet(out_dir, Path(path).stem, formats, words=transcriber.options.word_timestamps) as out:
            transcription = transcriber.transcribe(path, on_progress=bar.update)
            for segment in transcription:
                out.write(segment)
            info = transcription.info
            info.complete = not info.warnings
            written = out.commit(info)
    except LongscribeError as exc:
        bar.finish(path)
        if args.debug:
            console.print_exception()
        message = str(exc)
        named = message if path in message else f"{path}: {message}"
        console.print(f"longscribe: error: {named}", markup=False)
        status = "model-error" if _is_setup_error(exc) else "failed"
        return FileResult(path, status, detail=message)
    except KeyboardInterrupt:
        bar.finish(path)
        console.print(f"longscribe: interrupted while transcribing {path}; no output written for it", markup=False)
        raise
    bar.finish(path)
    wall = time.perf_counter() - started
    for warning in info.warnings:
        console.print(f"longscribe: warning: {path}: {warning}", markup=False)
    if not args.quiet:
        speed = info.duration / SAMPLE_RATE / wall if wall > 0 else 0.0
        console.print(
            f"{path}: {format_clock(info.duration)} of audio in {wall:.1f}s ({speed:.1f}x real time), "
            f"language {info.language or '-'} -> {', '.join(str(p) for p in written.values())}",
            markup=False,
        )
    status = "ok" if info.complete else "incomplete"
    return FileResult(path, status, info.duration, wall, "; ".join(info.warnings))


def _total_seconds(files: list[str]) -> float | None:
    """What the containers announce, for --deadline; unreadable files count as nothing."""
    from longscribe.audio import AudioStream

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


def _summary(console: Console, results: list[FileResult], files: list[str]) -> None:
    from rich.table import Table

    table = Table(title="longscribe summary", title_justify="left")
    for col in ("file", "duration", "status", "speed"):
        table.add_column(col)
    for r in results:
        speed = f"{r.duration / SAMPLE_RATE / r.seconds:.1f}x" if r.seconds and r.duration else "-"
        table.add_row(r.path, format_clock(r.duration) if r.duration else "-", r.status, speed)
    for skipped in files[len(results) :]:
        table.add_row(skipped, "-", "not run", "-")
    console.print(table)
    failed = [r.path for r in results if r.status != "ok"]
    if failed:
        console.print(f"longscribe: {len(failed)} of {len(files)} file(s) failed: {', '.join(failed)}", markup=False)
