"""Writer registry and the atomic output set.

Each writer streams segments into a temp file next to its final name; only
when the whole transcript is written are the temp files renamed into place,
so a crash never leaves a half file under the final name.
"""

from __future__ import annotations

import errno
import importlib.util
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

from longscribe.errors import OptionsError, OutputError
from longscribe.types import Segment, TranscriptInfo
from longscribe.writers.cues import CueOptions


@dataclass(frozen=True)
class OutputOptions:
    """How transcripts are written — never what was said in them."""

    words: bool = False
    """json: the timed words of each segment."""
    cues: CueOptions = field(default_factory=CueOptions)
    """srt, vtt: how subtitles are cut."""
    audio: str | None = None
    """html: the recording the page plays, as a path relative to the page (None: no player)."""


class Writer:
    """Base of one output format. Subclasses set ``extension`` and override the hooks."""

    extension: ClassVar[str] = ""
    order: ClassVar[int] = 0
    """Where the format comes in ``all`` and in every list of formats shown (plain text first)."""
    needs_speakers: ClassVar[bool] = False
    """The format says who speaks (rttm): asked for without speakers it is refused, and ``all``
    leaves it out."""
    media_type: ClassVar[str] = "text/plain; charset=utf-8"
    """What the server answers the format with."""
    binary: ClassVar[bool] = False
    """The writer writes bytes (docx), not text."""
    needs: ClassVar[tuple[str, str] | None] = None
    """``(module, extra)``: the format needs this module, installed with ``longscribe[extra]``;
    without it ``all`` leaves the format out, and asking for it is refused."""

    @classmethod
    def available(cls) -> bool:
        return cls.needs is None or importlib.util.find_spec(cls.needs[0]) is not None

    def __init__(self, out: IO[Any], options: OutputOptions | None = None) -> None:
        self.out = out
        self.options = options or OutputOptions()

    def begin(self) -> None:
        """Called once before the first segment."""

    def segment(self, index: int, segment: Segment) -> None:
        raise NotImplementedError

    def end(self, info: TranscriptInfo) -> None:
        """Called once after the last segment, with the complete info."""


WRITERS: dict[str, type[Writer]] = {}


def register(cls: type[Writer]) -> type[Writer]:
    """Add a format; ``WRITERS`` stays in the formats' ``order``."""
    WRITERS[cls.extension] = cls
    ordered = sorted(WRITERS.items(), key=lambda item: item[1].order)
    WRITERS.clear()
    WRITERS.update(ordered)
    return cls


def parse_formats(spec: str, *, speakers: bool = False) -> tuple[str, ...]:
    """``"srt,vtt"`` or ``"all"`` -> a tuple of registered format names. A format that says who speaks
    (rttm) needs ``speakers``: ``all`` leaves it out without them, and asking for it is refused."""
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    if names == ["all"]:
        return tuple(
            name for name, writer in WRITERS.items() if (speakers or not writer.needs_speakers) and writer.available()
        )
    unknown = [n for n in names if n not in WRITERS]
    if unknown or not names:
        raise OptionsError(
            f"unknown output format {', '.join(unknown) or spec!r} (choose from {', '.join(WRITERS)}, all)"
        )
    needing = [n for n in names if WRITERS[n].needs_speakers and not speakers]
    if needing:
        raise OptionsError(f"-f {', '.join(needing)} needs speakers (--diarize)", "output_format")
    for name in names:
        needs = WRITERS[name].needs
        if needs is not None and not WRITERS[name].available():
            module, extra = needs
            raise OptionsError(f"-f {name} needs {module}: pip install 'longscribe[{extra}]'", "output_format")
    return tuple(dict.fromkeys(names))


def render(fmt: str, segments: Iterable[Segment], info: TranscriptInfo, options: OutputOptions | None = None) -> bytes:
    """One format of a whole transcript, in memory (the server's answer for a corrected revision)."""
    writer_class = WRITERS[fmt]
    out: io.BytesIO | io.StringIO = io.BytesIO() if writer_class.binary else io.StringIO()
    writer = writer_class(out, options)
    writer.begin()
    for index, segment in enumerate(segments):
        writer.segment(index, segment)
    writer.end(info)
    value = out.getvalue()
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _output_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "output directory is not writable"
    return exc.strerror or str(exc)


def check_output_dir(directory: Path) -> None:
    """Create ``directory`` and prove it writable before any work is done for it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".longscribe-write-test.{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise OutputError(str(directory), _output_problem(exc)) from exc


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputSet:
    """All requested formats for one input, written together and committed atomically.

    ``name`` may hold folders (``a/talk``): they are made under ``directory``. ``growing``: written
    straight into the final names, flushed after each segment, and kept when the run fails (a live
    transcript, read while it grows).
    """

    def __init__(
        self,
        directory: str | Path,
        name: str,
        formats: Iterable[str],
        options: OutputOptions | None = None,
        *,
        opener: Callable[[Path], IO[str]] | None = None,
        growing: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.paths = {fmt: self.directory / f"{name}.{fmt}" for fmt in formats}
        self._growing = growing
        if growing:
            self._tmp = dict(self.paths)
        else:
            self._tmp = {fmt: p.with_name(f".{p.name}.{os.getpid()}.tmp") for fmt, p in self.paths.items()}
        self._opener = opener or (lambda p: open(p, "w", encoding="utf-8", newline="\n"))
        self._options = options or OutputOptions()
        self._files: list[IO[Any]] = []
        self._writers: list[Writer] = []
        self._count = 0

    def __enter__(self) -> OutputSet:
        try:
            for final in self.paths.values():
                final.parent.mkdir(parents=True, exist_ok=True)
            self._remove_stale_temps()
            for fmt, tmp in self._tmp.items():
                f: IO[Any] = open(tmp, "wb") if WRITERS[fmt].binary else self._opener(tmp)
                self._files.append(f)
                self._writers.append(WRITERS[fmt](f, self._options))
            for w in self._writers:
                w.begin()
        except OSError as exc:
            self._discard()
            raise OutputError(str(self.directory), _output_problem(exc)) from exc
        return self

    def _remove_stale_temps(self) -> None:
        """Temp files left by a killed run (its pid is gone) for these outputs."""
        for final in self.paths.values():
            for stale in final.parent.glob(f".{final.name}.*.tmp"):
                pid = stale.name[len(final.name) + 2 : -4]
                if pid.isdigit() and not _alive(int(pid)):
                    stale.unlink(missing_ok=True)

    def write(self, segment: Segment) -> None:
        def write_all() -> None:
            for w in self._writers:
                w.segment(self._count, segment)
            if self._growing:
                for f in self._files:
                    f.flush()

        self._guard(write_all)
        self._count += 1

    def commit(self, info: TranscriptInfo) -> dict[str, Path]:
        def finish() -> None:
            for w in self._writers:
                w.end(info)
            for f in self._files:
                f.flush()
                os.fsync(f.fileno())
                f.close()
            for fmt, tmp in self._tmp.items():
                os.replace(tmp, self.paths[fmt])

        self._guard(finish)
        return dict(self.paths)

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except OSError as exc:
            self._discard()
            raise OutputError(str(self.directory), _output_problem(exc)) from exc

    def _discard(self) -> None:
        for f in self._files:
            try:
                f.close()
            except OSError:
                pass
        self._unlink_temps()
        self._files = []

    def _unlink_temps(self) -> None:
        if self._growing:
            return  # what a live run wrote stays
        for tmp in self._tmp.values():
            try:
                tmp.unlink(missing_ok=True)
            except OSError:  # the directory itself is unusable: nothing was written there
                pass

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self._discard()
