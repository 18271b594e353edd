"""What the commands share: the parser class, the flags that become options, and building those options.

``transcribe`` has every option flag; ``devices``, ``tune`` and ``serve`` take the placement
flags; ``bench --config`` is checked by the transcribe parser alone. The environment comes in
as an :class:`Environment` read once by ``main``, never through the parsed arguments.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, NoReturn

from longscribe.cli.environment import Environment
from longscribe.cli.outputs import SUBTITLE_FORMATS
from longscribe.errors import LongscribeError, OptionsError
from longscribe.options import (
    COMPUTE_TYPES,
    DIARIZE_MODES,
    QUALITIES,
    TIMESTAMPS,
    TranscribeOptions,
    VadOptions,
    speaker_fields,
    temperature_ladder,
    vocabulary_terms,
)
from longscribe.writers import parse_formats


class UsageError(OptionsError):
    """The command line does not parse (exit code 2, as argparse's own)."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error raised as one line (the usage itself is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def add_option_arguments(p: argparse.ArgumentParser) -> None:
    """The flags that become :class:`TranscribeOptions` fields, in their help groups (and ``--unload``,
    which the model group shows)."""
    add_model_arguments(p.add_argument_group("model and device"))
    add_decoding_arguments(p.add_argument_group("decoding"))
    add_language_arguments(p.add_argument_group("language"))
    add_speaker_arguments(p.add_argument_group("speakers"))
    add_cluster_arguments(p.add_argument_group("cluster"))


def add_model_arguments(p: argparse._ActionsContainer) -> None:
    add_placement_arguments(p)
    p.add_argument("--quality", default="balanced", choices=QUALITIES, help="with --model auto: how fast it must be")
    p.add_argument(
        "--deadline", type=parse_duration, default=None, help="with --model auto: finish within e.g. 10m, 1h30m"
    )
    p.add_argument("--unload", action="store_true", help="free the model after each file")
    p.add_argument("--threads", type=int, default=0, help="CPU threads per worker (0: chosen)")
    p.add_argument("--workers", type=int, default=None, help="concurrent engine workers (default: chosen)")
    p.add_argument(
        "--batch-size", "--batch_size", type=int, default=None, help="chunks per engine call (default: chosen)"
    )
    p.add_argument(
        "--tuned",
        action="store_true",
        help="let this machine's `longscribe tune` result set beam size and compute type too (can change the text)",
    )


def add_decoding_arguments(p: argparse._ActionsContainer) -> None:
    p.add_argument(
        "--task",
        default="transcribe",
        choices=("transcribe", "translate"),
        help="transcribe (default) in the language spoken, or translate into English",
    )
    p.add_argument("--beam-size", "--beam_size", type=int, default=None, help="beam width (default: 5)")
    p.add_argument(
        "--best-of",
        "--best_of",
        type=int,
        default=TranscribeOptions.best_of,
        help=f"candidates sampled at each fallback temperature (default: {TranscribeOptions.best_of})",
    )
    p.add_argument(
        "--temperature-increment-on-fallback",
        "--temperature_increment_on_fallback",
        type=float,
        default=0.2,
        help="temperature step of the fallback's retries, 0..1 (0: no sampled retries)",
    )
    p.add_argument("--word-timestamps", "--word_timestamps", action="store_true", help="time each word (json: words)")
    p.add_argument(
        "--condition-on-previous-text",
        "--condition_on_previous_text",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="prompt each chunk with the previous text (off: it feeds repetition loops)",
    )
    p.add_argument(
        "--initial-prompt",
        "--initial_prompt",
        default=None,
        metavar="TEXT",
        help="text that prompts every chunk (with --condition-on-previous-text, the first): the style to write in",
    )
    p.add_argument(
        "--vocabulary",
        default=None,
        metavar="TERMS",
        help='names and jargon as they should be spelled, "Subiaco, Jenson, Zeiner": every chunk is prompted with them',
    )
    p.add_argument(
        "--vocabulary-file",
        default=None,
        metavar="FILE",
        help="more terms, one per line (# starts a comment)",
    )
    p.add_argument(
        "--timestamps",
        default=TranscribeOptions.timestamps,
        choices=TIMESTAMPS,
        help="aligned (default): decode text only in 30 s chunks, time words by alignment, cut sentences; "
        "decoded: Whisper's own timestamp tokens cut the segments (24 s chunks)",
    )
    p.add_argument(
        "--chunk-size",
        "--chunk_size",
        type=float,
        default=None,
        metavar="SECONDS",
        help="longest chunk VAD may build, 1..30 s (default: 30 with aligned timestamps, 24 with decoded)",
    )
    p.add_argument(
        "--vad", action=argparse.BooleanOptionalAction, default=True, help="cut at speech (default) or in fixed windows"
    )
    p.add_argument(
        "--vad-threshold",
        type=float,
        default=VadOptions.threshold,
        help=f"speech probability from which VAD hears speech, 0..1 (default: {VadOptions.threshold})",
    )
    p.add_argument(
        "--speech-guard",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="drop text where VAD heard no speech (default; --no-speech-guard for e.g. singing)",
    )


def add_language_arguments(p: argparse._ActionsContainer) -> None:
    p.add_argument(
        "--language",
        default=None,
        help="auto (default: each stretch of speech in its own language), first (the first chunk's for the whole"
        " file), or a code such as en for the whole file",
    )


def add_cluster_arguments(p: argparse._ActionsContainer) -> None:
    p.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        default=None,
        metavar="ADDRESS",
        help="run on Ray: auto (the running cluster, $RAY_ADDRESS), local (start one here) or an address",
    )
    p.add_argument(
        "--ray-audio",
        default="auto",
        choices=("auto", "arrays"),
        help="on Ray: auto (actors that can read the input get chunk spans) or arrays (always send samples)",
    )


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
    add_voices_argument(p, "with --diarize: ")
    add_voice_library_argument(p)


def add_voice_library_argument(p: argparse._ActionsContainer) -> None:
    """``--voice-library``, on every command that uses the library."""
    p.add_argument(
        "--voice-library",
        default=None,
        metavar="DIR",
        help="the voice library's folder (default: voices in the user data directory); a team shares one",
    )


def diarize_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """``diarize`` and ``diarize_options`` from the speaker flags (which need ``--diarize``)."""
    names = tuple(n.strip() for n in args.speaker_names.split(",")) if args.speaker_names is not None else ()
    if any(not n for n in names):
        raise OptionsError(f"--speaker-names takes names separated by commas, got {args.speaker_names!r}")
    voices = voices_from_flag(args.voices)
    fields = speaker_fields(
        args.diarize,
        num_speakers=args.num_speakers,
        min_speakers=args.min_speakers,
        max_speakers=args.max_speakers,
        speaker_names=names,
        models=args.diarization_models,
        voices=voices,
        voice_library=args.voice_library,
        spelled=flag,
    )
    if args.diarization_models is not None and not Path(args.diarization_models).is_dir():
        raise OptionsError(f"--diarization-models {args.diarization_models}: no such folder")
    return fields


def voices_from_flag(value: str | None) -> tuple[str, ...] | None:
    """``--voices`` (every voice of the library: an empty tuple) or ``--voices Ana,Ben``; absent: None."""
    voices = None if value is None else tuple(n.strip() for n in value.split(",") if value)
    if voices is not None and any(not n for n in voices):
        raise OptionsError(f"--voices takes names separated by commas, got {value!r}", "voices")
    return voices


def add_voices_argument(p: argparse._ActionsContainer, what: str) -> None:
    """``--voices [NAMES]``, on the commands that name speakers after the library's voices."""
    p.add_argument(
        "--voices",
        nargs="?",
        const="",
        default=None,
        metavar="NAMES",
        help=f'{what}name the speakers who sound like voices of the library (all, or only NAMES: "Ana,Ben")',
    )


def flag(field: str) -> str:
    """How the command line spells an option's field: ``num_speakers`` -> ``--num-speakers``."""
    return "--" + field.replace("_", "-")


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


def placement_from_args(args: argparse.Namespace, env: Environment) -> dict[str, Any]:
    """The options every planning command shares: ``--model``, ``--device`` and ``--compute-type``
    (their defaults from the environment, read once by the command), and the cache."""
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


def options_from_args(
    args: argparse.Namespace, env: Environment, formats: tuple[str, ...] | None = None
) -> TranscribeOptions:
    """The command line (and the environment, read once by the command) as options; ``formats``:
    the output formats as the command parsed them (else read from ``--output-format`` here)."""
    return TranscribeOptions(
        **placement_from_args(args, env),
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
        word_timestamps=args.word_timestamps or _subtitles_need_words(args, formats),
        condition_on_previous_text=args.condition_on_previous_text,
        initial_prompt=args.initial_prompt,
        vocabulary=vocabulary_from_args(args),
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


def vocabulary_from_args(args: argparse.Namespace) -> tuple[str, ...]:
    """``--vocabulary`` (terms separated by commas) and then ``--vocabulary-file``'s lines, each term
    once, in the order given; blank lines and ``#`` comments are skipped."""
    terms: list[str] = []
    if args.vocabulary is not None:
        terms += [t.strip() for t in args.vocabulary.split(",")]
        if not all(terms):
            raise OptionsError(f"--vocabulary takes terms separated by commas, got {args.vocabulary!r}", "vocabulary")
    if args.vocabulary_file is not None:
        try:
            text = Path(args.vocabulary_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            reason = "not UTF-8 text" if isinstance(e, UnicodeDecodeError) else (e.strerror or str(e))
            raise OptionsError(f"--vocabulary-file {args.vocabulary_file}: {reason}", "vocabulary") from None
        terms += [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return vocabulary_terms(t for t in terms if t)


def _subtitles_need_words(args: argparse.Namespace, formats: tuple[str, ...] | None) -> bool:
    """Cues are cut on word times: with decoded timestamps, words are timed when subtitles are written."""
    if formats is None:
        try:
            formats = parse_formats(args.output_format, speakers=True)  # only the subtitle formats matter here
        except LongscribeError:
            return False
    return args.subtitle_style != "none" and any(f in SUBTITLE_FORMATS for f in formats)
