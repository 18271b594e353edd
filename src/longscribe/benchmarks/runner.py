"""``longscribe bench``: longscribe against faster-whisper's own pipelines, on one file, in one run.

Every run is a fresh subprocess on the same audio (faster-whisper sequential, its batched
pipeline, longscribe and any ``--config`` variants); each reports load and transcription
seconds, speed over the transcription and over the whole process, peak RSS and WER/CER
(:mod:`longscribe.metrics`). With ``repeats`` the runs go round by round and the median is
reported; a variant is also timed against the default run of its own round
(``against_auto``), since runs side by side share the machine's state.
"""

from __future__ import annotations

import functools
import json
import shlex
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from longscribe.benchmarks.measure import run_measured
from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text, write_slice
from longscribe.benchmarks.setup import BASELINES, BenchSetup
from longscribe.errors import LongscribeError
from longscribe.metrics import error_rates

WINDOW_SECONDS = 30.0
"""Whisper's window: what the encoder is given per chunk, however much audio the chunk holds
(``longscribe.engines.whisper.WINDOW_SAMPLES``; not imported: engines import bench's tuning)."""


@dataclass
class RunResult:
    name: str
    audio_seconds: float
    load_seconds: float
    transcribe_seconds: float
    speed: float
    peak_rss_mib: float
    wer: float
    cer: float
    command: str
    wall_seconds: float = 0.0
    """The whole process: interpreter start, imports, model load, transcription, outputs."""
    whole_speed: float = 0.0
    """Audio seconds per whole-process second."""
    ratios: dict[str, float] = field(default_factory=dict)
    """Speed relative to each baseline (longscribe runs only)."""
    whole_ratios: dict[str, float] = field(default_factory=dict)
    """Whole-process speed relative to each baseline (longscribe runs only)."""
    startup_seconds: float | None = None
    """longscribe runs: the whole process less the transcription (interpreter start, imports,
    model load, writing the outputs)."""
    first_chunk_seconds: float | None = None
    """longscribe runs: from the start of the transcription until the first chunk was decoded."""
    chunk_fill: float | None = None
    """longscribe runs: the audio in the chunks over their 30 s encoder windows (1.0: all full)."""
    speeds: list[float] = field(default_factory=list)
    """× real time of every repeat, in order; the other fields are the median repeat's."""
    against_auto: dict[str, Any] = field(default_factory=dict)
    """``--config`` variants: their time over longscribe auto's in the same round, per round
    (``rounds``, transcription; ``whole_rounds``, whole process) and the median of each."""
    profile: dict[str, float] = field(default_factory=dict)
    """longscribe runs: seconds per stage (engine stages summed over workers; ``decode_vad`` is
    the feed thread's busy time, ``engine`` all engine calls), from the run's own JSON."""


def load_reference(path: Path, limit: float | None) -> str:
    """A ``.segments.tsv`` (cut at ``limit``) or plain text (only usable whole)."""
    if path.name.endswith(".segments.tsv"):
        return reference_text(read_segments(path), limit)
    if limit is not None:
        raise LongscribeError(f"{path}: --limit needs a timed reference (*.segments.tsv)")
    return path.read_text(encoding="utf-8")


def cut_point(reference: Path, limit: float | None) -> float | None:
    """With a timed reference, move the cut back into the pause before ``limit``: no half sentences."""
    if limit is None or not reference.name.endswith(".segments.tsv"):
        return limit
    return pause_before(read_segments(reference), limit)


def run_bench(setup: BenchSetup) -> dict[str, Any]:
    setup.limit = cut_point(setup.reference, setup.limit)
    reference = load_reference(setup.reference, setup.limit)
    with tempfile.TemporaryDirectory(prefix="longscribe-bench-") as tmp_name:
        tmp = Path(tmp_name)
        audio = write_slice(setup.file, tmp / f"{setup.file.stem}.wav", setup.limit) if setup.limit else setup.file
        jobs: list[Callable[[], RunResult]] = [
            functools.partial(_baseline, mode, audio, setup, reference) for mode in setup.baselines
        ]
        jobs += [functools.partial(_longscribe, audio, setup, reference, c, tmp) for c in ["", *setup.configs]]
        rounds = [[job() for job in jobs] for _ in range(max(1, setup.repeats))]
        runs = [median_run([r[i] for r in rounds]) for i in range(len(jobs))]
        auto = len(setup.baselines)
        for i in range(auto + 1, len(jobs)):
            runs[i].against_auto = paired_ratios([r[i] for r in rounds], [r[auto] for r in rounds])
    names = set(BASELINES.values())
    baselines = [r for r in runs if r.name in names]
    for run in runs:
        if run.name not in names:
            run.ratios = {b.name: round(run.speed / b.speed, 2) for b in baselines if b.speed}
            run.whole_ratios = {b.name: round(run.whole_speed / b.whole_speed, 2) for b in baselines if b.whole_speed}
    return {
        "file": str(setup.file),
        "reference": str(setup.reference),
        "model": setup.model,
        "limit_seconds": setup.limit,
        "normalisation": "lower case, accents stripped, numbers as words, punctuation removed (longscribe.metrics)",
        "runs": [asdict(r) for r in runs],
    }


def _longscribe(audio: Path, setup: BenchSetup, reference: str, config: str, tmp: Path) -> RunResult:
    out = Path(tempfile.mkdtemp(prefix="out-", dir=tmp))  # a fresh job store: a repeat must not resume the last
    extra = shlex.split(config)
    cmd = [
        sys.executable,
        "-m",
        "longscribe",
        "transcribe",
        str(audio),
        "--model",
        setup.model,
        "-o",
        str(out),
        "-f",
        "json",
        "--quiet",
        "--job-dir",
        str(out / "jobs"),
        *extra,
    ]
    run = run_measured(cmd)
    if run.returncode:
        raise LongscribeError(f"longscribe run failed: {run.stderr.strip().splitlines()[-1:]}")
    doc = json.loads((out / f"{audio.stem}.json").read_text())
    info = doc["info"]
    rates = error_rates(reference, doc["text"], setup.language)
    timings = info["timings"]
    seconds = timings["transcribe"]
    fill = info["chunk_audio_duration"] / (WINDOW_SECONDS * info["chunks"]) if info["chunks"] else None
    return RunResult(
        name=f"longscribe {config}".strip() if config else "longscribe auto",
        audio_seconds=info["duration"],
        load_seconds=info["timings"]["load"],
        transcribe_seconds=round(seconds, 2),
        speed=round(info["duration"] / seconds, 2),
        peak_rss_mib=round(run.peak_rss_bytes / 2**20),
        wer=round(rates.wer, 4),
        cer=round(rates.cer, 4),
        command=shlex.join(cmd),
        wall_seconds=round(run.wall_seconds, 2),
        whole_speed=round(info["duration"] / run.wall_seconds, 2),
        startup_seconds=round(run.wall_seconds - seconds, 2),
        first_chunk_seconds=round(timings["first_chunk"], 2) if "first_chunk" in timings else None,
        chunk_fill=round(fill, 3) if fill is not None else None,
        profile={k: v for k, v in timings.items() if k.startswith("engine") or k in ("decode_vad", "diarize")},
    )


def median_run(repeats: list[RunResult]) -> RunResult:
    """The repeat with the median transcription time (of an even count, the slower middle one), with every speed."""
    ranked = sorted(repeats, key=lambda r: r.transcribe_seconds)
    return replace(ranked[len(ranked) // 2], speeds=[r.speed for r in repeats])


def paired_ratios(variant: list[RunResult], reference: list[RunResult]) -> dict[str, Any]:
    """Each round's times of ``variant`` over ``reference``'s, and their medians (of an even count,
    the mean of the middle two)."""
    rounds = [round(v.transcribe_seconds / r.transcribe_seconds, 3) for v, r in zip(variant, reference)]
    whole = [round(v.wall_seconds / r.wall_seconds, 3) for v, r in zip(variant, reference)]
    return {
        "rounds": rounds,
        "median": round(statistics.median(rounds), 3),
        "whole_rounds": whole,
        "whole_median": round(statistics.median(whole), 3),
    }


def _baseline(mode: str, audio: Path, setup: BenchSetup, reference: str) -> RunResult:
    pipeline = mode.removesuffix("-tuned")
    cmd = [sys.executable, "-m", "longscribe.benchmarks.baselines", pipeline, str(audio), "--model", setup.model]
    if pipeline != mode:
        cmd.append("--tuned-malloc")
    run = run_measured(cmd)
    if run.returncode:
        raise LongscribeError(f"faster-whisper {mode} failed: {run.stderr.strip().splitlines()[-1:]}")
    doc = json.loads(run.stdout)
    rates = error_rates(reference, doc["text"], setup.language)
    return RunResult(
        name=BASELINES[mode],
        audio_seconds=round(doc["audio_seconds"], 2),
        load_seconds=round(doc["load_seconds"], 2),
        transcribe_seconds=round(doc["transcribe_seconds"], 2),
        speed=round(doc["audio_seconds"] / doc["transcribe_seconds"], 2),
        peak_rss_mib=round(run.peak_rss_bytes / 2**20),
        wer=round(rates.wer, 4),
        cer=round(rates.cer, 4),
        command=shlex.join(cmd),
        wall_seconds=round(run.wall_seconds, 2),
        whole_speed=round(doc["audio_seconds"] / run.wall_seconds, 2),
    )


def table(report: dict[str, Any]) -> str:
    """The runs as a Markdown table (under a line naming the machine, when the report has one)."""
    lines = []
    if report.get("machine"):
        m = report["machine"]
        lines.append(
            f"{m['cpu']} ({m['cpu_id'] or 'no cpu id'}), {m['physical_cores']} cores "
            f"({m['logical_cores']} threads), {m['ram_gib']} GiB, "
            f"{' '.join(m['isa']) or 'no ISA flags listed'}, matrix products on {_matrix_isa(m)}, "
            f"CTranslate2 {m['versions']['ctranslate2']}, "
            f"measured {m['measured']}\n"
        )
    lines += [
        "| run | audio s | load s | transcribe s | × real time | whole process s | × real time, whole "
        "| peak RSS MiB | WER % | CER % | speed vs baselines (whole process) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        whole = r["whole_ratios"]
        ratios = ", ".join(f"{v}× ({whole[k]}×) {k.split()[-1]}" for k, v in r["ratios"].items()) or "-"
        lines.append(
            f"| {r['name']} | {r['audio_seconds']:.0f} | {r['load_seconds']:.1f} | {r['transcribe_seconds']:.1f} | "
            f"{r['speed']:.1f} | {r['wall_seconds']:.1f} | {r['whole_speed']:.1f} | "
            f"{r['peak_rss_mib']:.0f} | {100 * r['wer']:.2f} | {100 * r['cer']:.2f} | {ratios} |"
        )
    for r in report["runs"]:
        paired = r.get("against_auto")
        if paired:
            lines.append(
                f"\n{r['name']}: {paired['median']}× the time of longscribe auto in the same round, "
                f"{paired['whole_median']}× the whole process (medians; rounds: "
                f"{', '.join(map(str, paired['rounds']))}; whole: {', '.join(map(str, paired['whole_rounds']))})"
            )
    return "\n".join(lines)


def _matrix_isa(machine: dict[str, Any]) -> str:
    """The matrix products' instruction set, and the variables that set the kernels when any did:
    "AVX2 without VNNI (ONEDNN_MAX_CPU_ISA=AVX2)"."""
    variables = machine.get("kernel_variables") or {}
    told = ", ".join(f"{k}={v}" for k, v in variables.items())
    return f"{machine.get('matrix_isa') or 'an unrecorded instruction set'}{f' ({told})' if told else ''}"


def plot(report: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise LongscribeError("--plot needs matplotlib: pip install 'longscribe[bench]'") from exc
    runs = report["runs"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for r in runs:
        left.scatter(r["speed"], 100 * r["wer"], s=60)
        left.annotate(r["name"], (r["speed"], 100 * r["wer"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    left.set_xlabel("speed (× real time)")
    left.set_ylabel("WER %")
    left.set_title("speed vs WER")
    right.barh([r["name"] for r in runs], [r["peak_rss_mib"] for r in runs])
    right.set_xlabel("peak RSS (MiB)")
    right.set_title("peak memory")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
