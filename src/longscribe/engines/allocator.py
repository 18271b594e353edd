"""glibc malloc settings for CPU inference: reuse big buffers instead of mapping them anew.

CTranslate2 allocates every intermediate tensor of an op and frees it right after.
glibc serves blocks above its mmap threshold (dynamic, at most 32 MiB) with a fresh
``mmap`` and gives them back with ``munmap``, and worker threads get arenas whose
heaps are trimmed as soon as their top is free. So the encoder's attention scores
(base: 8 heads x 1500 x 1500 floats, 72 MB per layer) are faulted in page by page on
every call. Measured here (base, int8, 2 workers x 1 thread, 578 s of speech): 4.4
million page faults and 7.6 s of kernel time; with one arena, no mmap and a 1 GiB
trim threshold, 0.19 million faults, 0.5 s, and the run 1.37x faster. Peak memory
is unchanged: it is the same buffers, kept for the next call.

Opt in with ``LONGSCRIBE_MALLOC_TUNING=1``: applied once per process, on Linux with
glibc, before the first CPU engine loads (worker threads choose their arena on their
first allocation). Not the default yet: the peak, lower than glibc's own, varies more
from run to run (588-648 MiB on the same 10-minute file) and creeps up over hours
(1.14x from 10 to 266 minutes), so it would break the flat-memory guarantee.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import threading

log = logging.getLogger(__name__)

ENV = "LONGSCRIBE_MALLOC_TUNING"
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
M_ARENA_MAX = -8
TRIM_THRESHOLD = 1 << 30
SETTINGS = ((M_ARENA_MAX, 1), (M_MMAP_MAX, 0), (M_TRIM_THRESHOLD, TRIM_THRESHOLD))

_lock = threading.Lock()
_state: dict[str, bool] = {}


def tune_for_inference() -> bool:
    """Apply :data:`SETTINGS` through ``mallopt`` once; True if they are in effect."""
    with _lock:
        if "applied" not in _state:
            _state["applied"] = _apply()
        return _state["applied"]


def _apply() -> bool:
    if os.environ.get(ENV, "0").strip().lower() not in ("1", "true", "yes", "on"):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok = all(mallopt(param, value) == 1 for param, value in SETTINGS)
    log.info("glibc malloc: one arena, no mmap, trim above 1 GiB (%s)", "applied" if ok else "refused")
    return ok
