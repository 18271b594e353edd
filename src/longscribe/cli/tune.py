"""``longscribe tune``: time configurations on a speech sample and cache the fastest that keeps the text."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from longscribe.audio import AudioStream, check_input
from longscribe.cli.common import add_placement_arguments, placement_from_args
from longscribe.cli.console import print_error, stderr_console
from longscribe.cli.environment import Environment
from longscribe.errors import LongscribeError
from longscribe.metrics import error_rates
from longscribe.options import TranscribeOptions
from longscribe.pipeline import Transcriber
from longscribe.placement import detect, plan
from longscribe.placement.tuning import SAMPLE, Config, Run, SamplePasses, save_tuned, tune


def add_tune_parser(sub: Any) -> None:
    p = sub.add_parser("tune", help="find and cache the fastest configuration for this machine and model")
    add_placement_arguments(p)
    p.add_argument("--sample", type=Path, default=None, help="a 60-120 s speech recording (default: bundled sample)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    sample = args.sample or SAMPLE
    try:
        check_input(sample)
        AudioStream(sample).close()  # a sample that is not audio: said before anything is timed
        hw = detect()
        options = TranscribeOptions(**placement_from_args(args, env))
        start = plan(options, hw)
        resolved, placement = start.model, start.placement
        device = placement.device if placement.device != "cuda" else f"cuda:{placement.device_index}"

        def run_config(config: Config, repeats: int) -> Run:
            transcriber = Transcriber(
                options,
                model=resolved.path,
                device=device,
                compute_type=config.compute_type,
                workers=config.workers,
                cpu_threads=config.threads,
                batch_size=config.batch_size,
                beam_size=config.beam_size,
            )
            transcriber.load()
            started = time.perf_counter()
            transcription = transcriber.transcribe(passes.get(repeats))
            text = "".join(s.text for s in transcription)
            return Run(time.perf_counter() - started, text, transcription.info.chunks)

        with SamplePasses(sample) as passes:
            result = tune(hw, placement, run_config, lambda ref, hyp: error_rates(ref, hyp).wer)
        path = save_tuned(hw, resolved.path, placement.engine, result, start.cache)
    except LongscribeError as exc:
        print_error(exc, console)
        return 1
    if args.json:
        print(json.dumps(result.as_dict(), indent=1))
        return 0
    table = Table(
        title=f"longscribe tune: {resolved.name} on {placement.device}, sample {sample.name}", title_justify="left"
    )
    for col in ("configuration", "seconds per pass", "passes", "WER vs reference"):
        table.add_column(col)
    for trial in result.trials:
        mark = " (best)" if trial.config == result.best else ""
        wer = f"{100 * trial.wer:.2f} %"
        table.add_row(trial.config.label() + mark, f"{trial.seconds:.2f}", str(trial.repeats), wer)
    Console(highlight=False).print(table)
    console.print(f"best: {result.best.label()} ({result.speedup:.2f}x the reference); saved in {path}", markup=False)
    return 0
