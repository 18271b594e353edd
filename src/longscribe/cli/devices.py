"""``longscribe devices``: what hardware is here and what ``transcribe`` would use, with reasons."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from longscribe import memory
from longscribe.cli.common import add_placement_arguments, placement_from_args
from longscribe.cli.console import print_error
from longscribe.cli.environment import Environment
from longscribe.errors import LongscribeError
from longscribe.models.catalog import available_models
from longscribe.options import TranscribeOptions
from longscribe.placement import Hardware, available_devices, detect, plan

SCHEMA = "longscribe.devices/1"
GIB = 2**30


def add_devices_parser(sub: Any) -> None:
    p = sub.add_parser("devices", help="show the hardware found and what transcribe would use")
    add_placement_arguments(p)
    p.add_argument("--batch-size", type=int, default=None, help="as transcribe --batch-size: the plan for it")
    p.add_argument("--workers", type=int, default=None, help="as transcribe --workers: the plan for it")
    p.add_argument("--threads", type=int, default=0, help="as transcribe --threads: the plan for it")
    p.add_argument("--tuned", action="store_true", help="as transcribe --tuned")
    p.add_argument("--json", action="store_true", help="machine-readable output (schema: docs/devices.md)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(run=run)


def report(hw: Hardware, options: TranscribeOptions) -> dict[str, Any]:
    """The documented JSON document (docs/devices.md): the hardware, and the plan ``transcribe`` would run."""
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "hardware": _hardware_dict(hw),
        "available_devices": available_devices(hw),
        "models_available": available_models(),
        "would_use": None,
        "tuned": None,
        "error": None,
    }
    try:
        run = plan(options, hw)
    except LongscribeError as exc:
        doc["error"] = str(exc)
        return doc
    if run.tuned is not None:
        doc["tuned"] = run.tuned["best"] | {"speedup": run.tuned.get("speedup"), "date": run.tuned.get("date")}
    placement = run.placement
    doc["would_use"] = {
        "engine": placement.engine,
        "device": placement.device,
        "device_index": placement.device_index,
        "compute_type": placement.compute_type,
        "batch_size": placement.batch_size,
        "workers": placement.workers,
        "threads": placement.threads,
        "beam_size": run.beam_size,
        "model": run.model.name,
        "model_source": run.model.source,
        "model_path": run.model.path,
        "model_bytes": run.model.model_bytes,
        "reasons": [*run.reasons, memory.describe()],
        "warnings": list(run.warnings),
    }
    return doc


def options_from_args(args: argparse.Namespace, env: Environment) -> TranscribeOptions:
    return TranscribeOptions(
        **placement_from_args(args, env),
        batch_size=args.batch_size,
        workers=args.workers,
        cpu_threads=args.threads,
        use_tuning=args.tuned,
    )


def _hardware_dict(hw: Hardware) -> dict[str, Any]:
    cpu = asdict(hw.cpu)
    cpu["flags"] = sorted(hw.cpu.flags)
    cpu["compute_types"] = list(hw.cpu.compute_types)
    cpu["isa_label"] = hw.cpu.isa_label
    return {
        "os": hw.os,
        "arch": hw.arch,
        "cpu": cpu,
        "cuda": [
            {**asdict(d), "compute_capability": list(d.compute_capability) if d.compute_capability else None}
            for d in hw.cuda
        ],
        "apple_gpu": asdict(hw.apple) if hw.apple else None,
        "mlx": hw.mlx,
        "notes": list(hw.notes),
    }


def run(args: argparse.Namespace, env: Environment) -> int:
    try:
        options = options_from_args(args, env)
    except LongscribeError as exc:
        print_error(exc)
        return 2
    doc = report(detect(), options)
    if doc["error"]:
        doc["error"] += env.sources(args.device, args.compute_type)
    if args.json:
        print(json.dumps(doc, indent=2))
        return 1 if doc["error"] else 0
    console = Console(highlight=False)
    _print(console, doc)
    if doc["error"]:
        print_error(doc["error"])
        return 1
    return 0


def _table(title: str) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _print(console: Console, doc: dict[str, Any]) -> None:
    hw = doc["hardware"]
    cpu = hw["cpu"]
    found = _table("Hardware found")
    found.add_row("system", f"{hw['os']} {hw['arch']}")
    found.add_row("CPU", f"{cpu['model']} — {cpu['physical_cores']} cores / {cpu['logical_cores']} threads")
    found.add_row("CPU features", ", ".join(cpu["flags"]) or "-")
    found.add_row("matrix products", cpu["isa_label"])
    found.add_row("RAM", f"{cpu['ram_total'] / GIB:.1f} GiB ({cpu['ram_available'] / GIB:.1f} GiB available)")
    found.add_row("CTranslate2 on CPU", ", ".join(cpu["compute_types"]) or "-")
    for d in hw["cuda"]:
        cc = ".".join(map(str, d["compute_capability"])) if d["compute_capability"] else "?"
        found.add_row(
            f"CUDA {d['index']}",
            f"{d['name']} (cc {cc}), {d['memory_free'] / GIB:.1f} of {d['memory_total'] / GIB:.1f} GiB free; "
            f"types: {', '.join(d['compute_types'])}",
        )
    if not hw["cuda"]:
        found.add_row("CUDA", "none usable by CTranslate2")
    apple = hw["apple_gpu"]
    found.add_row("Apple GPU", f"{apple['chip']} (Metal: {'yes' if apple['metal'] else 'no'})" if apple else "none")
    found.add_row("MLX", "installed (devices metal / mlx-cpu)" if hw["mlx"] else "not installed (longscribe[apple])")
    for note in hw["notes"]:
        found.add_row("note", note)
    models = ", ".join(f"{k} ({v})" for k, v in doc["models_available"].items()) or "none"
    found.add_row("models here", models)
    console.print(found)
    use = doc["would_use"]
    if use is None:
        return
    table = _table("transcribe would use")
    table.add_row("engine", use["engine"])
    table.add_row("device", f"{use['device']}" + (f":{use['device_index']}" if use["device"] == "cuda" else ""))
    table.add_row("compute type", use["compute_type"])
    table.add_row("batch size", str(use["batch_size"]))
    table.add_row("workers x threads", f"{use['workers']} x {use['threads'] or 'auto'}")
    table.add_row("beam size", str(use["beam_size"]))
    table.add_row("model", f"{use['model']} ({use['model_source']})")
    for reason in use["reasons"]:
        table.add_row("why", reason)
    for warning in use["warnings"]:
        table.add_row("warning", warning)
    console.print(table)
