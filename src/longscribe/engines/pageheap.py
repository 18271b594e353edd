"""CTranslate2's CPU tensors on a heap whose resident size does not grow with the length of the run.

Why. With glibc's malloc the process's peak kept rising with the audio's length
(base, 2 workers: 623 MiB after 10 minutes, 724 after an hour, 751 after 266
minutes) while the tensors alive at any moment did not: traced through the hook
below, their largest total was 348 MiB on 10 minutes and 355 MiB on an hour.
glibc keeps a heap as large as the highest it reached, and blocks of many sizes
freed in a different order than they were taken leave holes the next blocks do
not fit, so the heap's resident size ratchets up batch after batch.

How. CTranslate2's CPU build allocates every tensor through Intel MKL's
``mkl_malloc``, and MKL takes its memory from four function pointers it exports
so that programs can replace them (``i_malloc``, ``i_free``, ``i_calloc``,
``i_realloc``). :func:`install` points them at ``_pageheap.c``: blocks are cut
in whole pages from one reserved range of address space, freed blocks merge
with free neighbours and stay resident for reuse up to a cap (the cache,
:data:`DEFAULT_CACHE_MIB`), and past the cap the pages freed longest ago go back
to the kernel (``MADV_DONTNEED``) while their addresses stay reserved. Holes then
cost address space, not memory: resident size <= live tensors + cache, however
long the run. Everything not allocated by CTranslate2 stays with the C library
(whose mmap threshold drops to 1 MiB for it, engines/allocator.py).

Measured (base, 2 workers, single CLI runs, peak RSS): 10 minutes -> the same said
six times (1 h) -> 266 minutes 678 -> 708 -> 731 MiB (1.08x), against 623 -> 724 ->
751 (1.21x) with glibc alone, at the same speed; the heap's part stayed at 456-463
MiB, and what still grows is glibc's heap under numpy and Python (79 -> 125 MiB).
A cache of 96 MiB instead of 128 gave back three times as many pages and ran 10 %
slower. docs/benchmarks.md has the runs.

The compiled part is optional (``setup.py``); without it, or without MKL's
hooks in the CTranslate2 library (its macOS wheel), nothing changes.
``LONGSCRIBE_MALLOC_TUNING=0`` turns it off with the malloc tunables;
``LONGSCRIBE_TENSOR_CACHE_MIB`` sets the cache.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import util

from longscribe.engines.native import ctranslate2_libraries

log = logging.getLogger(__name__)

EXTENSION = "longscribe.engines._pageheap"
SWITCH_ENV = "LONGSCRIBE_MALLOC_TUNING"
CACHE_ENV = "LONGSCRIBE_TENSOR_CACHE_MIB"
DEFAULT_CACHE_MIB = 128
"""Resident free pages kept for reuse. A batch frees ~150 MiB of cross-attention keys and values at once
and the next one takes as much again: with 128 MiB most of it is reused (1 h of audio: 13 GB faulted in
again); with 96 MiB, 35 GB and 10 % slower."""
THRESHOLD = 0
"""Blocks under this size would go to the C library. None do: CTranslate2's small blocks (a page each here;
70 % of its calls, under 1 % of its bytes) fragmented glibc's heap too (1 h: heap 134 -> 89 MiB, peak
718 -> 708 MiB, against a 16 KiB threshold)."""
RESERVES = (64 << 30, 16 << 30, 4 << 30)
"""Address space to reserve (no memory behind it until used); smaller where a system refuses the larger."""
HOOKS = ("malloc", "free", "calloc", "realloc")

_lock = threading.Lock()
_installed: PageHeap | None = None


@dataclass(frozen=True)
class HeapStats:
    """Bytes: alive now, the most alive at once, free but resident (the cache), address range used,
    taken from the kernel anew (faulted in), and given back."""

    live: int
    peak_live: int
    cached: int
    address_space: int
    faulted_in: int
    given_back: int


def _origin() -> str | None:
    """Where the compiled allocator lies (found without loading it), or None where it was not built."""
    try:
        spec = util.find_spec(EXTENSION)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None else None


@functools.cache
def native() -> ctypes.CDLL | None:
    """The compiled allocator, loaded, or None where it was not built."""
    origin = _origin()
    if origin is None:
        return None
    try:
        lib = ctypes.CDLL(origin)
    except OSError as exc:
        log.debug("cannot load %s: %s", origin, exc)
        return None
    size, ptr = ctypes.c_size_t, ctypes.c_void_p
    lib.ls_heap_new.restype = ptr
    lib.ls_heap_new.argtypes = (size, size, size)
    lib.ls_heap_malloc.restype = ptr
    lib.ls_heap_malloc.argtypes = (ptr, size)
    lib.ls_heap_calloc.restype = ptr
    lib.ls_heap_calloc.argtypes = (ptr, size, size)
    lib.ls_heap_realloc.restype = ptr
    lib.ls_heap_realloc.argtypes = (ptr, ptr, size)
    lib.ls_heap_free.argtypes = (ptr, ptr)
    lib.ls_heap_usable.restype = size
    lib.ls_heap_usable.argtypes = (ptr, ptr)
    lib.ls_heap_owns.argtypes = (ptr, ptr)
    lib.ls_heap_stats.argtypes = (ptr, ctypes.POINTER(size))
    lib.ls_heap_destroy.argtypes = (ptr,)
    lib.ls_install.argtypes = (ptr,)
    return lib


def built() -> bool:
    """The compiled allocator is installed with the package (found without loading it)."""
    return _origin() is not None


class PageHeap:
    """One heap of ``_pageheap.c``: :func:`install`'s, or a test's own (then :meth:`close` it)."""

    def __init__(self, reserve: int, threshold: int = THRESHOLD, cache: int = DEFAULT_CACHE_MIB << 20) -> None:
        lib = native()
        if lib is None:
            raise OSError(f"{EXTENSION} is not built")
        self._lib = lib
        self.handle = lib.ls_heap_new(reserve, threshold, cache)
        if not self.handle:
            raise OSError(f"cannot reserve {reserve >> 20} MiB of address space")
        self.threshold = threshold
        self.cache = cache

    def malloc(self, size: int) -> int:
        return int(self._lib.ls_heap_malloc(self.handle, size) or 0)

    def calloc(self, count: int, size: int) -> int:
        return int(self._lib.ls_heap_calloc(self.handle, count, size) or 0)

    def realloc(self, pointer: int, size: int) -> int:
        return int(self._lib.ls_heap_realloc(self.handle, pointer, size) or 0)

    def free(self, pointer: int) -> None:
        self._lib.ls_heap_free(self.handle, pointer)

    def usable(self, pointer: int) -> int:
        return int(self._lib.ls_heap_usable(self.handle, pointer))

    def owns(self, pointer: int) -> bool:
        return bool(self._lib.ls_heap_owns(self.handle, pointer))

    def stats(self) -> HeapStats:
        out = (ctypes.c_size_t * 6)()
        self._lib.ls_heap_stats(self.handle, out)
        return HeapStats(*(int(value) for value in out))

    def close(self) -> None:
        """Unmap a test's heap; every block of it must be free (never the installed heap)."""
        if self is _installed:
            raise ValueError("the installed heap serves CTranslate2 until the process exits")
        if self.handle:
            self._lib.ls_heap_destroy(self.handle)
            self.handle = None


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Not switched off with ``LONGSCRIBE_MALLOC_TUNING=0``."""
    return environ.get(SWITCH_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def cache_bytes(environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(CACHE_ENV, "").strip()
    try:
        mib = int(raw) if raw else DEFAULT_CACHE_MIB
    except ValueError:
        log.warning("%s=%r is not a whole number of MiB; using %d", CACHE_ENV, raw, DEFAULT_CACHE_MIB)
        mib = DEFAULT_CACHE_MIB
    return max(mib, 0) << 20


@functools.cache
def _hooks() -> tuple[ctypes.c_void_p, ...] | None:
    """MKL's four allocation hooks in the CTranslate2 library, or None where it has none."""
    for path in ctranslate2_libraries():
        try:
            lib = ctypes.CDLL(path)
            return tuple(ctypes.c_void_p.in_dll(lib, f"i_{name}") for name in HOOKS)
        except (OSError, ValueError):
            continue
    return None


def install(environ: Mapping[str, str] = os.environ) -> PageHeap | None:
    """Serve CTranslate2's CPU tensors from a page heap from now on; the heap, or None where it cannot be.

    Safe at any time: blocks allocated before go back to the C library when freed. Call it
    before loading a model so that its weights come from the heap too. Once per process.
    """
    global _installed
    with _lock:
        if _installed is not None or not wanted(environ):
            return _installed
        lib, hooks = native(), _hooks()
        if lib is None or hooks is None:
            log.debug("page heap not used: %s", "not built" if lib is None else "no MKL hooks in CTranslate2")
            return None
        heap = None
        for reserve in RESERVES:
            try:
                heap = PageHeap(reserve, THRESHOLD, cache_bytes(environ))
                break
            except OSError as exc:
                log.debug("page heap: %s", exc)
        if heap is None or lib.ls_install(heap.handle) != 0:
            return None
        for hook, name in zip(hooks, HOOKS):
            hook.value = ctypes.cast(getattr(lib, f"ls_{name}"), ctypes.c_void_p).value
        _installed = heap
        log.info("CTranslate2's CPU tensors on the page heap (cache %d MiB)", heap.cache >> 20)
        return heap


def installed() -> PageHeap | None:
    return _installed


def describe(environ: Mapping[str, str] = os.environ) -> str:
    """One line for ``devices``: whether CTranslate2's CPU tensors get the page heap."""
    if not wanted(environ):
        return f"CTranslate2 CPU tensors on glibc's heap ({SWITCH_ENV}=0)"
    if not built():
        return "CTranslate2 CPU tensors on the C library's heap (longscribe's page heap was not built here)"
    if _hooks() is None:
        return "CTranslate2 CPU tensors on the C library's heap (this CTranslate2 build has no MKL allocation hooks)"
    return f"CTranslate2 CPU tensors on longscribe's page heap (cache {cache_bytes(environ) >> 20} MiB)"
