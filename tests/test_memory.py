"""longscribe.memory: glibc keeps big blocks for reuse once configured (a real process, its page faults)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from longscribe import memory

pytestmark = pytest.mark.skipif(not memory.supported(), reason="needs Linux with glibc")

BIG_BLOCKS = """
import ctypes, ctypes.util, resource, sys, threading
from longscribe import memory
configured = memory.configure() if sys.argv[1] == "configure" else False
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
SIZE = 64 << 20  # an attention-score buffer's order of size

def work():
    for _ in range(10):
        block = libc.malloc(SIZE)
        ctypes.memset(block, 1, SIZE)
        libc.free(block)

warm = threading.Thread(target=work)  # a worker thread, as CTranslate2's are
warm.start(); warm.join()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
again = threading.Thread(target=work)
again.start(); again.join()
print(configured, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> tuple[bool, int]:
    out = subprocess.run([sys.executable, "-c", BIG_BLOCKS, mode], capture_output=True, text=True, check=True)
    configured, count = out.stdout.split()
    return configured == "True", int(count)


def test_configured_malloc_reuses_big_blocks_instead_of_faulting_them_in_again() -> None:
    configured, reused = faults("configure")
    plain_configured, plain = faults("plain")
    assert configured and not plain_configured
    pages = 10 * (64 << 20) // 4096
    assert plain >= pages // 2, f"glibc's defaults map each big block afresh: {plain} faults"
    assert reused < pages // 20, f"configured, the freed block is reused: {reused} faults"


def test_describe_says_what_this_process_runs_with() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from longscribe import memory; print(memory.describe()); memory.configure();"
         " print(memory.describe())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    before, after = out.stdout.splitlines()
    assert before == "glibc malloc as it is" and "arena_max=1" in after and "mmap_max=0" in after
