"""The end-of-run table: file, duration, status, speed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from longscribe.audio.decode import format_clock
from longscribe.types import SAMPLE_RATE

OK_STATUSES = ("ok", "skipped")


@dataclass
class FileResult:
    path: str
    status: str
    """ok, skipped, incomplete (partly decodable), failed, interrupted, not run."""
    duration: int = 0
    seconds: float = 0.0
    detail: str = ""
    output: str = ""
    """The name the outputs were given (``DIR/<output>.<format>``); "" when none was chosen."""
    languages: str = ""
    """``en``, or ``en → de → en`` when the language changed."""

    @property
    def renamed(self) -> bool:
        """The outputs are not named after the input's stem (another input has the same one)."""
        return bool(self.output) and self.output != Path(self.path).stem


def print_summary(console: Console, results: list[FileResult]) -> None:
    table = Table(title="longscribe summary", title_justify="left")
    renamed = any(r.renamed for r in results)
    for col in ("file", "duration", "status", "speed", "language", *(["written as"] if renamed else [])):
        table.add_column(col, overflow="fold")
    for r in results:
        speed = f"{r.duration / SAMPLE_RATE / r.seconds:.1f}x" if r.seconds and r.duration else "-"
        row = [r.path, format_clock(r.duration) if r.duration else "-", r.status, speed, r.languages or "-"]
        table.add_row(*row, *([f"{r.output}.*" if r.output else "-"] if renamed else []))
    console.print(table)
    for r in results:
        if r.status in OK_STATUSES and r.detail:
            console.print(f"{r.path}: warning: {r.detail}", markup=False)
    failed = [r.path for r in results if r.status not in OK_STATUSES]
    if failed:
        console.print(f"longscribe: {len(failed)} of {len(results)} file(s) failed: {', '.join(failed)}", markup=False)
