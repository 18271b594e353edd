"""A watched folder: the recordings that appear in it, each handed out once it has stopped changing.

watchdog's events say when to look; a scan every ``scan_interval`` seconds catches what events miss
(network shares often send none). A file is *settled* when its size and modification time have not
changed for ``settle`` seconds. Each version of a file (its size and modification time) is handed
out until the caller says it is handled (done, or failed for good); a failure may ask for a retry
at a later time instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from longscribe.errors import OptionsError

log = logging.getLogger(__name__)

Version = tuple[int, int]
"""A file's (size, mtime_ns): another version is another file to transcribe."""


@dataclass(frozen=True)
class WatchOptions:
    """How ``longscribe watch`` waits for files; validated once."""

    settle: float = 10.0
    """Seconds a file must stay unchanged before it is picked up."""
    scan_interval: float = 30.0
    """Seconds between scans of the whole folder, besides the events."""
    retries: int = 3
    """Tries after a failure (waiting ``settle`` seconds, then twice as long each time) before the
    file is listed as failed."""
    recursive: bool = False
    once: bool = False
    """Handle what is there (waiting for files still growing) and stop."""

    def __post_init__(self) -> None:
        if not 0 <= self.settle <= 86_400:
            raise OptionsError(f"--settle must be within 0..86400 seconds, got {self.settle:g}", "settle")
        if not 0.1 <= self.scan_interval <= 86_400:
            raise OptionsError(
                f"--scan-interval must be within 0.1..86400 seconds, got {self.scan_interval:g}", "scan_interval"
            )
        if not 0 <= self.retries <= 100:
            raise OptionsError(f"--retries must be within 0..100, got {self.retries}", "retries")

    def backoff(self, failures: int) -> float:
        """Seconds before try ``failures + 1``."""
        return float(max(self.settle, 1.0) * 2 ** (failures - 1))


@dataclass
class _Seen:
    version: Version
    changed: float
    """When the version was first seen (or its mtime, when older)."""
    not_before: float = 0.0
    failures: int = 0


class FolderWatch:
    """The settled files of ``folder`` whose suffix ``wanted`` accepts, outside the ``skip`` folders."""

    def __init__(
        self,
        folder: Path,
        options: WatchOptions,
        wanted: Callable[[Path], bool],
        skip: Iterable[Path] = (),
    ) -> None:
        self.folder = folder.resolve()
        self.options = options
        self._wanted = wanted
        self._skip = [p.resolve() for p in skip]
        self._seen: dict[Path, _Seen] = {}
        self._handled: dict[Path, Version] = {}
        self._woken = threading.Event()
        self._last_scan = 0.0
        self._observer: object | None = None

    def start(self) -> None:
        """Listen for events (when watchdog can; the scans go on either way)."""
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover - watchdog is a dependency
            return
        woken = self._woken

        class Wake(FileSystemEventHandler):
            def on_any_event(self, event: object) -> None:
                woken.set()

        observer = Observer()
        try:
            observer.schedule(Wake(), str(self.folder), recursive=self.options.recursive)
            observer.start()
        except OSError as exc:  # no inotify watches left, a share without events
            log.info("%s: no file events (%s); scanning every %gs", self.folder, exc, self.options.scan_interval)
            return
        self._observer = observer

    def stop(self) -> None:
        observer = self._observer
        if observer is not None:
            observer.stop()  # type: ignore[attr-defined]
            observer.join(timeout=5)  # type: ignore[attr-defined]
            self._observer = None

    def handled(self, path: Path, version: Version) -> None:
        """``path`` at ``version`` is done (or failed for good): not handed out again unless it changes."""
        self._handled[path] = version
        self._seen.pop(path, None)

    def retry(self, path: Path) -> bool:
        """A try failed: whether another is due (after a back-off), else it is failed for good."""
        seen = self._seen.get(path)
        if seen is None:
            return False
        seen.failures += 1
        if seen.failures > self.options.retries:
            return False
        seen.not_before = time.time() + self.options.backoff(seen.failures)
        return True

    def ready(self) -> list[tuple[Path, Version]]:
        """The settled files not handled yet (oldest first), scanning when woken or due."""
        now = time.time()
        if self._woken.is_set() or now - self._last_scan >= self.options.scan_interval:
            self._woken.clear()
            self._scan(now)
        elif self._growing():  # only the files still settling are looked at again, not the whole folder
            for path in list(self._seen):
                self._look(path, now)
        settled = [
            (path, seen)
            for path, seen in self._seen.items()
            if now - seen.changed >= self.options.settle and now >= seen.not_before
        ]
        settled.sort(key=lambda item: (item[1].changed, str(item[0])))
        return [(path, seen.version) for path, seen in settled]

    @property
    def pending(self) -> bool:
        """Files seen and not handled yet (still settling, or waiting to be tried again)."""
        return bool(self._seen)

    def wait(self, seconds: float) -> None:
        """Until an event, or ``seconds``."""
        self._woken.wait(seconds)

    def _growing(self) -> bool:
        return any(time.time() - seen.changed < self.options.settle for seen in self._seen.values())

    def _scan(self, now: float) -> None:
        self._last_scan = now
        present = {path for path in self._files() if self._look(path, now)}
        for gone in set(self._seen) - present:
            del self._seen[gone]

    def _look(self, path: Path, now: float) -> bool:
        """Note ``path``'s version (a change restarts its settling); whether it is there."""
        try:
            st = path.stat()
        except OSError:  # gone between listing and looking
            self._seen.pop(path, None)
            return False
        version = (st.st_size, st.st_mtime_ns)
        if self._handled.get(path) == version:
            return True
        seen = self._seen.get(path)
        if seen is None or seen.version != version:
            changed = now if seen is not None else min(now, st.st_mtime)
            self._seen[path] = _Seen(version, changed)
        return True

    def _files(self) -> list[Path]:
        found: list[Path] = []
        for root, dirs, names in os.walk(self.folder):
            here = Path(root)
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and not any((here / d).resolve() == s for s in self._skip)
            )
            found.extend(here / n for n in sorted(names) if not n.startswith(".") and self._wanted(here / n))
            if not self.options.recursive:
                break
        return found
