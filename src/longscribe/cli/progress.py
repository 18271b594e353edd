"""The progress bar: audio time done / total, speed (x real time), ETA, on stderr."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeRemainingColumn
from rich.text import Text

from longscribe.audio.decode import format_clock
from longscribe.pipeline import Progress as ProgressEvent
from longscribe.types import SAMPLE_RATE


class _AudioColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        total = format_clock(int(task.total or 0)) if task.total else "?"
        return Text(f"{format_clock(int(task.completed))} / {total}")


class _SpeedColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.fields.get("wall", 0.0)
        decoded = task.completed - task.fields.get("resumed", 0)  # restored chunks cost no time
        speed = decoded / SAMPLE_RATE / elapsed if elapsed > 0 else 0.0
        return Text(f"{speed:5.1f}x real time" if speed else "")


NAME_WIDTH = 28


def short_name(path: str, width: int = NAME_WIDTH) -> str:
    """The file's name (no folders), shortened from the middle to ``width`` characters."""
    name = Path(path).name
    if len(name) <= width:
        return name
    head = (width - 1) // 2
    return f"{name[:head]}…{name[len(name) - (width - 1 - head) :]}"


class ProgressBar:
    """Renders :class:`longscribe.Progress` events; a no-op when disabled."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self._enabled = enabled
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            _AudioColumn(),
            _SpeedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressBar:
        if self._enabled:
            self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._enabled:
            self._progress.stop()

    def update(self, event: ProgressEvent) -> None:
        if not self._enabled:
            return
        task = self._tasks.get(event.path)
        if task is None:
            task = self._progress.add_task(short_name(event.path), total=event.total)
            self._tasks[event.path] = task
        total = max(event.total or 0, event.done) or None
        self._progress.update(task, completed=event.done, total=total, wall=event.elapsed, resumed=event.resumed)

    def finish(self, path: str) -> None:
        task = self._tasks.pop(path, None)
        if task is not None and self._enabled:
            self._progress.remove_task(task)
