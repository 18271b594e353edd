"""The page heap (engines/_pageheap.c): blocks never overlap, memory is reused, the cache is capped."""

from __future__ import annotations

import ctypes
import random
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from longscribe.engines import pageheap
from longscribe.engines.pageheap import PageHeap

MiB = 1 << 20
PAGE = 4096
pytestmark = pytest.mark.skipif(not pageheap.built(), reason="the page heap extension was not built (no C compiler)")


@pytest.fixture
def heap() -> Iterator[PageHeap]:
    h = PageHeap(reserve=1 << 30, threshold=16 << 10, cache=8 * MiB)
    yield h
    h.close()


def fill(pointer: int, size: int, byte: int) -> None:
    ctypes.memset(pointer, byte, size)


def holds(pointer: int, size: int, byte: int) -> bool:
    return ctypes.string_at(pointer, size) == bytes([byte]) * size


def test_small_blocks_go_to_the_c_library_and_large_ones_to_the_heap(heap: PageHeap) -> None:
    small, large = heap.malloc(100), heap.malloc(20_000)
    assert small and large
    assert not heap.owns(small)
    assert heap.owns(large) and large % PAGE == 0
    assert heap.usable(large) == 5 * PAGE
    heap.free(small)  # goes to free(): must not crash or count
    heap.free(large)
    assert heap.stats().live == 0


def test_random_blocks_never_overlap_and_keep_their_contents(heap: PageHeap) -> None:
    rng = random.Random(6)
    alive: dict[int, tuple[int, int]] = {}
    for step in range(3000):
        if alive and rng.random() < 0.45:
            pointer = rng.choice(list(alive))
            size, byte = alive.pop(pointer)
            assert holds(pointer, size, byte), f"block at {pointer:#x} overwritten (step {step})"
            heap.free(pointer)
        else:
            size = rng.choice((17_000, 40_960, 123_000, 1 * MiB, 3 * MiB + 5)) + rng.randrange(8192)
            pointer = heap.malloc(size)
            assert pointer and heap.owns(pointer)
            byte = step % 251 + 1
            fill(pointer, size, byte)
            alive[pointer] = (size, byte)
        stats = heap.stats()
        assert stats.cached <= heap.cache
    for pointer, (size, byte) in alive.items():
        assert holds(pointer, size, byte)
        heap.free(pointer)
    stats = heap.stats()
    assert stats.live == 0 and stats.cached <= heap.cache
    assert stats.given_back > 0, "more than the cache was freed at some point"


def test_freed_memory_is_reused_not_taken_anew(heap: PageHeap) -> None:
    for _ in range(50):  # a decoder's cache: one block a step longer each step, the old one freed after
        previous = 0
        for n in range(1, 21):
            block = heap.malloc(40_000 * n)
            if previous:
                heap.free(previous)
            previous = block
        heap.free(previous)
    stats = heap.stats()
    largest = -(-40_000 * 20 // PAGE) * PAGE
    assert stats.peak_live <= 2 * largest
    assert stats.address_space <= 4 * largest, "freed blocks merge and are cut again"
    assert stats.given_back == 0 and stats.faulted_in == stats.address_space, "after round one, all reused"


def test_neighbours_merge_into_one_block(heap: PageHeap) -> None:
    a, b, c = (heap.malloc(64 << 10) for _ in range(3))
    heap.free(a)
    heap.free(b)
    heap.free(c)
    big = heap.malloc(192 << 10)
    assert big == a, "three freed neighbours serve one block of their total size"
    heap.free(big)


def test_resident_size_stays_within_live_plus_cache() -> None:
    h = PageHeap(reserve=1 << 30, threshold=16 << 10, cache=4 * MiB)
    try:
        rng = random.Random(1)
        for _ in range(200):
            blocks = [h.malloc(rng.randrange(64 << 10, 2 * MiB)) for _ in range(8)]
            for pointer in blocks:
                fill(pointer, h.usable(pointer), 7)
            rng.shuffle(blocks)
            for pointer in blocks:
                h.free(pointer)
            assert h.stats().cached <= 4 * MiB
        assert h.stats().live == 0
    finally:
        h.close()


def test_calloc_zeroes_reused_memory_and_realloc_keeps_the_contents(heap: PageHeap) -> None:
    pointer = heap.malloc(64 << 10)
    fill(pointer, 64 << 10, 9)
    heap.free(pointer)
    zeroed = heap.calloc(16, 4096)
    assert zeroed == pointer and holds(zeroed, 64 << 10, 0)
    fill(zeroed, 64 << 10, 5)
    grown = heap.realloc(zeroed, 1 * MiB)
    assert holds(grown, 64 << 10, 5)
    heap.free(grown)


def test_two_threads_at_once(heap: PageHeap) -> None:
    errors: list[str] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for step in range(400):
            size = rng.randrange(16 << 10, 1 * MiB)
            pointer = heap.malloc(size)
            byte = seed * 7 + step % 13 + 1
            fill(pointer, size, byte)
            if not holds(pointer, size, byte):
                errors.append(f"thread {seed}: block overwritten")
            heap.free(pointer)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert heap.stats().live == 0


INSTALLED = """
import ctranslate2, numpy as np
from longscribe.engines import pageheap
heap = pageheap.install()
assert heap is not None and pageheap.install() is heap
x = ctranslate2.StorageView.from_array(np.ones((1024, 1024), dtype=np.float32))  # numpy's memory, shared
half = x.to(ctranslate2.DataType.float16)  # a tensor CTranslate2 allocates: 2 MiB
during = heap.stats()
del half
after = heap.stats()
print(during.live - after.live >= 2 << 20, after.cached >= 2 << 20)
"""


def test_install_serves_ctranslate2s_cpu_tensors() -> None:
    run = subprocess.run([sys.executable, "-c", INSTALLED], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]


def test_switched_off_or_capped_from_the_environment() -> None:
    assert pageheap.describe({"LONGSCRIBE_MALLOC_TUNING": "0"}).endswith("(LONGSCRIBE_MALLOC_TUNING=0)")
    assert not pageheap.wanted({"LONGSCRIBE_MALLOC_TUNING": "off"})
    assert pageheap.cache_bytes({"LONGSCRIBE_TENSOR_CACHE_MIB": "32"}) == 32 * MiB
    assert pageheap.cache_bytes({"LONGSCRIBE_TENSOR_CACHE_MIB": "lots"}) == pageheap.DEFAULT_CACHE_MIB * MiB
