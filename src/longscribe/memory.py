"""glibc malloc settings for a process that runs CPU inference for hours.

CTranslate2 frees every intermediate tensor right after use; with glibc's defaults the big
ones are mapped afresh and faulted in on every call, and each thread's arena keeps its own
high-water mark. :func:`configure` sets, through ``mallopt``, one arena, big blocks from the
heap, and a high trim threshold, so freed buffers are reused. Process-wide: the command
applies them first thing (``LONGSCRIBE_MALLOC_TUNING=0`` leaves glibc as it is); an
application that embeds longscribe decides for its own process. Elsewhere than glibc it does
nothing. The measurements: docs/benchmarks.md.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import platform
from dataclasses import dataclass

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8


@dataclass(frozen=True)
class MallocSettings:
    """``mallopt`` parameters and their values, in the order they are set."""

    arena_max: int = 1
    mmap_max: int = 0
    trim_threshold: int = 1 << 30

    def pairs(self) -> tuple[tuple[str, int, int], ...]:
        return (
            ("arena_max", M_ARENA_MAX, self.arena_max),
            ("mmap_max", M_MMAP_MAX, self.mmap_max),
            ("trim_threshold", M_TRIM_THRESHOLD, self.trim_threshold),
        )


INFERENCE = MallocSettings()
_applied: MallocSettings | None = None


def supported() -> bool:
    """Linux with glibc, whose ``mallopt`` takes these parameters."""
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def configure(settings: MallocSettings = INFERENCE) -> bool:
    """Apply ``settings`` to this process's malloc; True when they are in effect.

    Call it before starting threads: an arena limit does not merge arenas that already exist.
    """
    global _applied
    if not supported():
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    for name, param, value in settings.pairs():
        if libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)) != 1:
            log.warning("mallopt(%s=%d) was refused; malloc left as it is for the rest", name, value)
            return False
    _applied = settings
    return True


def describe() -> str:
    """One line for ``devices`` and a run's choices: the malloc settings this process runs with."""
    if _applied is None:
        return "glibc malloc as it is" if supported() else "the C library's malloc as it is"
    settings = ", ".join(f"{name}={value}" for name, _, value in _applied.pairs())
    return f"glibc malloc tuned for long inference ({settings})"
