"""glibc malloc tunables: how the environment is built, and what they do in a restarted process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from longscribe.engines import allocator
from longscribe.engines.allocator import GLIBC_ENV, TUNABLES, tuned_environ, untuned_environ

ALL = ":".join(f"{k}={v}" for k, v in TUNABLES.items())
needs_glibc = pytest.mark.skipif(not allocator.supported(), reason="needs Linux with glibc 2.35 or newer")


@needs_glibc
def test_tunables_are_added_to_the_users_own_and_taken_out_again() -> None:
    env = tuned_environ({"PATH": "/bin", GLIBC_ENV: "glibc.malloc.tcache_count=0"})
    assert env is not None
    assert env[GLIBC_ENV] == f"glibc.malloc.tcache_count=0:{ALL}"
    assert allocator.in_effect(env)
    assert untuned_environ(env) == {"PATH": "/bin", GLIBC_ENV: "glibc.malloc.tcache_count=0"}
    assert untuned_environ(tuned_environ({}) or {}) == {}


@needs_glibc
def test_a_tunable_the_user_set_is_kept() -> None:
    env = tuned_environ({GLIBC_ENV: "glibc.malloc.mmap_threshold=65536"})
    assert env is not None
    assert "glibc.malloc.mmap_threshold=65536" in env[GLIBC_ENV].split(":")
    assert f"glibc.malloc.mmap_threshold={TUNABLES['glibc.malloc.mmap_threshold']}" not in env[GLIBC_ENV]
    assert untuned_environ(env) == {GLIBC_ENV: "glibc.malloc.mmap_threshold=65536"}


@needs_glibc
def test_nothing_to_do_when_set_or_switched_off() -> None:
    assert tuned_environ({GLIBC_ENV: ALL}) is None
    assert tuned_environ({allocator.ENV: "0"}) is None
    assert "LONGSCRIBE_MALLOC_TUNING=0" in allocator.describe({allocator.ENV: "0"})
    assert "huge pages" in allocator.describe({GLIBC_ENV: ALL})
    assert allocator.with_tunables({allocator.ENV: "0"})[GLIBC_ENV] == ALL, "a comparison run gets them anyway"


PROBE = """
import ctypes, os, resource, sys, threading
from longscribe.engines.allocator import restart_tuned
restart_tuned()  # the process starts again here with the tunables set, once
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
SIZES = (3 << 20, 12 << 20, 72 << 20)  # like an encoder call: GEMM outputs, FFN, attention scores
def work():  # a worker thread's tensors, written and freed after each op
    for _ in range(20):
        blocks = [libc.malloc(n) for n in SIZES]
        for block, n in zip(blocks, SIZES):
            ctypes.memset(block, 1, n)
        for block in blocks:
            libc.free(block)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
worker = threading.Thread(target=work)
worker.start()
worker.join()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, os.environ.get("GLIBC_TUNABLES", "-"))
"""


def _probe(switch: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in (GLIBC_ENV, allocator.ADDED_ENV)}
    env[allocator.ENV] = switch
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    faults, tunables = out.stdout.split()
    return int(faults), tunables


def _thp_available() -> bool:
    try:
        mode = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False
    return "[never]" not in mode


@needs_glibc
@pytest.mark.skipif(not _thp_available(), reason="transparent huge pages are off in this kernel")
def test_a_restarted_process_faults_big_buffers_in_far_fewer_pages() -> None:
    tuned, tunables = _probe("1")
    default, unset = _probe("0")
    assert tunables == ALL and unset == "-", "restarted once, with every tunable; not when switched off"
    assert tuned * 10 < default, f"page faults: {tuned} with the tunables, {default} without"
