"""``longscribe bench FILE --reference REF``: the before/after benchmark."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from longscribe.errors import LongscribeError


def add_bench_parser(sub: Any) -> None:
    p = sub.add_parser("bench", help="speed, WER and peak memory against faster-whisper, on one file")
    p.add_argument("file", type=Path)
    p.add_argument("--reference", type=Path, required=True, help="reference text, or a *.segments.tsv (for --limit)")
    p.add_argument("--model", default="base")
    p.add_argument("--language", default="en", help="language of the reference, for normalisation")
    p.add_argument("--limit", type=float, default=None, help="use only the first SECONDS of the file")
    p.add_argument("--config", action="append", default=[], help='extra longscribe run, e.g. --config "--beam-size 1"')
    p.add_argument("--no-baselines", action="store_true", help="skip the faster-whisper runs")
    p.add_argument(
        "--baselines",
        default="sequential,batched",
        help="faster-whisper pipelines to run, comma-separated: sequential, batched, batched-tuned"
        " (batched with longscribe's malloc tunables); default: sequential,batched",
    )
    p.add_argument("--repeat", type=int, default=1, help="runs of each, round by round; the median is reported")
    p.add_argument("--json", type=Path, default=None, help="write the report here")
    p.add_argument("--plot", type=Path, default=None, help="speed-vs-WER and peak-RSS chart (PNG)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from longscribe.bench.runner import BASELINES, BenchSetup, plot, run_bench, table

    console = Console(stderr=True, highlight=False)
    baselines = () if args.no_baselines else tuple(b.strip() for b in args.baselines.split(",") if b.strip())
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown or args.repeat < 1:
        known = ", ".join(BASELINES)
        problem = f"unknown baseline {unknown[0]!r} ({known})" if unknown else "--repeat must be >= 1"
        console.print(f"longscribe: error: {problem}", markup=False, soft_wrap=True)
        return 2
    setup = BenchSetup(
        args.file, args.reference, args.model, args.language, args.limit, args.config, baselines, args.repeat
    )
    try:
        report = run_bench(setup)
        if args.plot:
            plot(report, args.plot)
    except LongscribeError as exc:
        console.print(f"longscribe: error: {exc}", markup=False)
        return 1
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(table(report))
    return 0
