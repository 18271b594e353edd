"""``longscribe bench FILE --reference REF``: the before/after benchmark.

The report names the machine it was measured on (``machine``: CPU, family/model, cores, the
instruction sets CTranslate2's kernels use, library versions, date): speeds and their ratios
belong to one machine, and virtual machines sold under one CPU name differ.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shlex
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from longscribe.benchmarks.runner import plot, run_bench, table
from longscribe.benchmarks.setup import BenchSetup, check_memory, estimate
from longscribe.cli.common import options_from_args
from longscribe.cli.console import stderr_console
from longscribe.cli.environment import Environment
from longscribe.cli.transcribe import transcribe_parser
from longscribe.errors import OptionsError, OutputError
from longscribe.placement import detect
from longscribe.placement.hardware import Hardware, kernel_variables


def add_bench_parser(sub: Any) -> None:
    p = sub.add_parser("bench", help="speed, WER and peak memory against faster-whisper, on one file")
    p.add_argument("file", type=Path)
    p.add_argument("--reference", type=Path, required=True, help="reference text, or a *.segments.tsv (for --limit)")
    p.add_argument("--model", default="base", help="the model every program runs (default: base)")
    p.add_argument("--language", default="en", help="language of the reference, for normalisation")
    p.add_argument("--limit", type=float, default=None, help="use only the first SECONDS of the file")
    p.add_argument(
        "--config",
        action="append",
        default=[],
        help='extra longscribe run, e.g. --config "--beam-size 1" (a flag alone: --config=--word-timestamps)',
    )
    p.add_argument("--no-baselines", action="store_true", help="skip the faster-whisper runs")
    p.add_argument("--diarize", action="store_true", help="also run with --diarize (same as --config=--diarize)")
    p.add_argument(
        "--baselines",
        default="sequential,batched",
        help="faster-whisper pipelines to run, comma-separated: sequential, batched, batched-tuned"
        " (batched with longscribe's malloc settings); default: sequential,batched",
    )
    p.add_argument("--repeat", type=int, default=1, help="runs of each, round by round; the median is reported")
    p.add_argument("--json", type=Path, default=None, help="write the report here")
    p.add_argument("--plot", type=Path, default=None, help="speed-vs-WER and peak-RSS chart (PNG)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    setup = setup_from_args(args, env)
    setup.validate()
    _check_outputs(args)
    hw = detect()
    seconds = setup.audio_seconds()
    estimates = estimate(setup, seconds, hw.cpu.physical_cores)
    check_memory(estimates, hw.cpu.ram_available, seconds)
    total = sum(e.minutes for e in estimates) * setup.repeats
    console.print(
        f"bench: {seconds / 60:.1f} min of audio, {setup.repeats} round(s), ~{total:.0f} min in all", markup=False
    )
    for e in estimates:
        console.print(f"bench:   {e.name}: ~{e.minutes:.1f} min a run, ~{e.peak_mib:.0f} MiB peak", markup=False)
    report = run_bench(setup)
    report["machine"] = machine(hw)
    if args.plot:
        plot(report, args.plot)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(table(report))
    return 0


def setup_from_args(args: argparse.Namespace, env: Environment) -> BenchSetup:
    """The bench as asked, every ``--config`` checked as the transcribe command would check it."""
    named = tuple(b.strip() for b in args.baselines.split(",") if b.strip())
    BenchSetup(args.file, args.reference, baselines=named).check_baselines()
    baselines = () if args.no_baselines else named
    configs = [*args.config, *(["--diarize"] if args.diarize and "--diarize" not in args.config else [])]
    for config in configs:
        try:
            extra = transcribe_parser().parse_args(["bench-input.wav", *shlex.split(config)])
        except ValueError as exc:  # shlex: an unclosed quote
            raise OptionsError(f"--config {config!r}: {exc}", "config") from exc
        options_from_args(extra, env)
    return BenchSetup(args.file, args.reference, args.model, args.language, args.limit, configs, baselines, args.repeat)


def _check_outputs(args: argparse.Namespace) -> None:
    for flag, path in (("--json", args.json), ("--plot", args.plot)):
        if path is not None and (path.is_dir() or (path.parent.exists() and not path.parent.is_dir())):
            raise OutputError(str(path), f"{flag} needs a file path")
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError as exc:
            raise OptionsError("--plot needs matplotlib: pip install 'longscribe[bench]'", "plot") from exc


def machine(hw: Hardware) -> dict[str, Any]:
    """What a report was measured on, and when."""
    versions: dict[str, str | None] = {}
    for package in ("ctranslate2", "faster-whisper", "onnxruntime"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": hw.cpu.model,
        "cpu_id": _cpu_id(),
        "physical_cores": hw.cpu.physical_cores,
        "logical_cores": hw.cpu.logical_cores,
        "ram_gib": round(hw.cpu.ram_total / 2**30, 1),
        "isa": sorted(hw.cpu.flags),  # the features that decide CTranslate2's kernels
        "matrix_isa": hw.cpu.isa_label,  # what the matrix products ran on: the CPU's, or less when capped
        "kernel_variables": kernel_variables(),
        "gpus": [gpu.name for gpu in hw.cuda],
        "python": platform.python_version(),
        "versions": versions,
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _cpu_id() -> str | None:
    """Family, model and stepping from /proc/cpuinfo: virtual machines often name only the vendor
    ("AMD EPYC"), and these tell its generations apart. None elsewhere than Linux on x86."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = dict(re.findall(r"^(cpu family|model|stepping)\s*:\s*(\S+)", text.split("\n\n")[0], flags=re.M))
    if len(fields) < 3:
        return None
    return f"family {fields['cpu family']} model {fields['model']} stepping {fields['stepping']}"
