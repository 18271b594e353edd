"""The glibc malloc settings for CPU inference, observed through page faults in fresh processes."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from longscribe.engines import allocator

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only"
)

PROBE = """
import ctypes, resource, threading
from longscribe.engines.allocator import tune_for_inference
print(tune_for_inference())
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def work():  # like an engine worker thread: tensors of a few MiB to tens of MiB, written, freed after the op
    for _ in range(20):
        blocks = [libc.malloc(n) for n in (3 << 20, 12 << 20, 40 << 20)]
        for block, n in zip(blocks, (3 << 20, 12 << 20, 40 << 20)):
            ctypes.memset(block, 1, n)
        for block in blocks:
            libc.free(block)
before = faults()
worker = threading.Thread(target=work)
worker.start()
worker.join()
print(faults() - before)
"""


def _probe(setting: str | None) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != allocator.ENV}
    if setting is not None:
        env[allocator.ENV] = setting
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    applied, faults = out.stdout.split()
    return applied, int(faults)


def test_big_buffers_of_a_worker_thread_are_reused_not_mapped_again() -> None:
    applied, tuned = _probe("1")
    opted_out, default = _probe(None)
    assert (applied, opted_out) == ("True", "False"), "opt-in only"
    assert tuned * 4 < default, f"page faults: {tuned} with the settings, {default} without"
