"""glibc malloc tunables for CPU inference: big buffers on huge pages, mid-size ones reused.

Where the page heap is built (engines/pageheap.py), CTranslate2's tensors no longer
come from glibc at all; these tunables then serve the rest (numpy, Python, PyAV),
with the mmap threshold at 1 MiB. What follows is how they were found, with
CTranslate2 on glibc, and still holds where the page heap is not built.

CTranslate2 allocates every intermediate tensor of an op and frees it right after.
With glibc's defaults, blocks above the (dynamic, at most 32 MiB) mmap threshold
get a fresh ``mmap`` each time, and worker-thread arenas are trimmed as soon as
their top is free, so the encoder's buffers (base: 72 MB of attention scores per
layer) are faulted in 4 KiB page by page on every call: 4.0 million page faults
and 7 s of kernel time for 10 minutes of audio (base, int8, 2 workers x 1 thread).

The tunables below put blocks of 4 MiB and more on transparent huge pages
(``hugetlb=1``: ``madvise(MADV_HUGEPAGE)``, 512x fewer faults) and keep the
smaller ones in the arenas (trimmed only above 1 GiB). Measured on the same
file: 0.36 million faults and 2.3-3.3 s of kernel time; on the 31-minute file
40.8x -> 46-47.7x real time. Settings that keep every freed block for reuse (one
arena, no mmap; or mimalloc) were 6-9 % faster still, but the heap fragments and
the peak grew 1.14-1.24x from 10 minutes to 2 hours (docs/benchmarks.md).

The blocks under 4 MiB (the decoder's per-step buffers and growing caches) stay
in the arena of the thread that freed them, and glibc gives every thread its own
arena: each engine worker's arena keeps the highest it ever reached, and the
process holds the sum of those highs, which grows with the number of batches seen
(base, aligned timestamps, batch 4, 2 workers: worker arenas at most 95 + 81 MiB
after 10 minutes, 138 + 144 after 2 hours; peak 758 -> 884-912 MiB). Two arenas
for the whole process (``arena_max=2``) let the workers share one, so the highs
no longer add up: 720-735 -> 789-833 MiB, at the same speed.

glibc reads ``GLIBC_TUNABLES`` only when a process starts, so the ``longscribe``
command restarts itself once with them (:func:`restart_tuned`) before it loads
anything; Python API users set the variable themselves (:func:`tuned_environ`
gives it). ``LONGSCRIBE_MALLOC_TUNING=0`` turns this off. Needs Linux with glibc
2.35 or newer (``hugetlb``); elsewhere nothing changes.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from collections.abc import Mapping

from longscribe.engines import pageheap

log = logging.getLogger(__name__)

ENV = pageheap.SWITCH_ENV
"""``LONGSCRIBE_MALLOC_TUNING``: one switch for the tunables and the page heap."""
GLIBC_ENV = "GLIBC_TUNABLES"
ADDED_ENV = "LONGSCRIBE_ADDED_TUNABLES"
"""The tunable names this package added to ``GLIBC_TUNABLES`` (comma-separated), so they can be taken out again."""
TUNABLES = {
    "glibc.malloc.hugetlb": "1",
    # 1 MiB when CTranslate2's tensors go to the page heap (pageheap.py) and only numpy's
    # arrays and the like are left to glibc: 10 min -> 1 h 683 -> 718 MiB, against 711 -> 768
    # with 4 MiB, at the same speed; without the page heap, 4 MiB (1 MiB, trimmed: 47x against 55x there).
    "glibc.malloc.mmap_threshold": str((1 if pageheap.built() else 4) << 20),
    "glibc.malloc.trim_threshold": str(1 << 30),
    "glibc.malloc.arena_max": "2",
}
MIN_GLIBC = (2, 35)


def supported() -> bool:
    """Linux with glibc 2.35 or newer, where ``glibc.malloc.hugetlb`` exists."""
    if platform.system() != "Linux":
        return False
    libc, version = platform.libc_ver()
    if libc != "glibc":
        return False
    try:
        return tuple(int(part) for part in version.split(".")[:2]) >= MIN_GLIBC
    except ValueError:
        return False


def _parse(value: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in value.split(":") if item)
    return {name: setting for name, _, setting in pairs}


def _join(tunables: Mapping[str, str]) -> str:
    return ":".join(f"{name}={setting}" for name, setting in tunables.items())


def wanted(environ: Mapping[str, str]) -> bool:
    """Whether the tunables are to be used (not switched off, and the platform has them)."""
    return pageheap.wanted(environ) and supported()


def in_effect(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``environ`` (by default this process's own, as it started) sets every tunable.

    A setting the user gave a tunable in ``GLIBC_TUNABLES`` is kept and counts as set.
    """
    return supported() and set(TUNABLES) <= set(_parse(environ.get(GLIBC_ENV, "")))


def tuned_environ(environ: Mapping[str, str]) -> dict[str, str] | None:
    """``environ`` with the tunables added to ``GLIBC_TUNABLES``; None when there is nothing to add."""
    if not wanted(environ) or in_effect(environ):
        return None
    present = _parse(environ.get(GLIBC_ENV, ""))
    added = {name: setting for name, setting in TUNABLES.items() if name not in present}
    env = dict(environ)
    env[GLIBC_ENV] = _join({**present, **added})
    env[ADDED_ENV] = ",".join(added)
    return env


def untuned_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the tunables :func:`tuned_environ` added (for other programs' runs)."""
    env = dict(environ)
    added = set(filter(None, env.pop(ADDED_ENV, "").split(",")))
    rest = {name: setting for name, setting in _parse(env.get(GLIBC_ENV, "")).items() if name not in added}
    if rest:
        env[GLIBC_ENV] = _join(rest)
    else:
        env.pop(GLIBC_ENV, None)
    return env


def with_tunables(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with the tunables set whatever ``LONGSCRIBE_MALLOC_TUNING`` says (for a comparison run)."""
    env = dict(environ)
    env.pop(ENV, None)
    return tuned_environ(env) or env


def restart_tuned() -> None:
    """Restart this Python process with the tunables in its environment, if they are wanted and missing.

    Call it first thing in a program's entry point: it does not return when it
    restarts. The same interpreter is started with the same arguments
    (``sys.orig_argv``); the new process finds the tunables set and goes on.
    """
    env = tuned_environ(os.environ)
    if env is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
    except OSError as exc:  # an odd interpreter setup: run on with glibc's defaults
        log.warning("could not restart with %s set: %s", GLIBC_ENV, exc)


def describe(environ: Mapping[str, str]) -> str:
    """One line for ``devices`` and a transcript's choices: which malloc settings a CPU run gets."""
    if in_effect(environ):
        mib = int(TUNABLES["glibc.malloc.mmap_threshold"]) >> 20
        return f"glibc malloc: blocks of {mib} MiB and more on huge pages, smaller ones kept, 2 arenas (GLIBC_TUNABLES)"
    if not supported():
        return "malloc as it is (the huge-page tunables need Linux with glibc 2.35 or newer)"
    if not wanted(environ):
        return f"glibc malloc as it is ({ENV}=0); about 15 % slower on CPU"
    return f"glibc malloc as it is: the longscribe command sets {GLIBC_ENV} (see longscribe.engines.allocator)"
