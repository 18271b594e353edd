"""Machines described by injected probes: a CPU-only Linux box, two GPUs, a Mac (for placement tests)."""

from __future__ import annotations

from dataclasses import replace

from longscribe.placement.hardware import NvidiaGpu, Probes

GIB = 2**30
BASE_BYTES = 145_000_000  # base, float16 model.bin
LARGE_BYTES = 3_090_000_000  # large-v3, float16 model.bin

LINUX_CPUINFO = "\n".join(
    f"processor\t: {i}\nmodel name\t: Intel(R) Xeon(R) Gold 6230\nphysical id\t: 0\ncore id\t\t: {i % 4}\n"
    f"cpu cores\t: 4\nflags\t\t: fpu sse4_2 avx avx2 fma f16c\n"
    for i in range(8)
)
MEMINFO = "MemTotal:       32000000 kB\nMemAvailable:   20000000 kB\n"
CPU_TYPES = ("float32", "int8", "int8_float32")
GPU_TYPES = ("float16", "float32", "int8", "int8_float16", "int8_float32")


def linux(**changes: object) -> Probes:
    base = Probes(
        system=lambda: "Linux",
        machine=lambda: "x86_64",
        cpuinfo=lambda: LINUX_CPUINFO,
        meminfo=lambda: MEMINFO,
        sysctl=lambda key: "",
        logical_cores=lambda: 8,
        ct2_cuda_count=lambda: 0,
        ct2_compute_types=lambda device, index: CPU_TYPES if device == "cpu" else GPU_TYPES,
        nvidia_gpus=lambda: [],
        mlx=lambda: None,
        mlx_installed=lambda: False,
        isa_limits=lambda: {},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def two_gpus(small_free: int = 2 * GIB) -> Probes:
    gpus = [
        NvidiaGpu("NVIDIA A100 80GB", 80 * GIB, 70 * GIB, (8, 0)),
        NvidiaGpu("Tesla T4", 16 * GIB, small_free, (7, 5)),
    ]
    return linux(ct2_cuda_count=lambda: 2, nvidia_gpus=lambda: gpus)


def mac(mlx: dict[str, object] | None) -> Probes:
    values = {"machdep.cpu.brand_string": "Apple M2 Pro", "hw.physicalcpu": "10", "hw.memsize": str(32 * GIB)}
    return linux(
        system=lambda: "Darwin",
        machine=lambda: "arm64",
        cpuinfo=lambda: "",
        meminfo=lambda: "",
        sysctl=lambda key: values.get(key, ""),
        logical_cores=lambda: 10,
        mlx=lambda: mlx,
        mlx_installed=lambda: mlx is not None,
    )
