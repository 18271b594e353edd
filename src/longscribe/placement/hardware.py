"""What hardware is here: ``detect()`` -> a frozen :class:`Hardware`.

Pure given its probes: every platform (CPU-only Linux, a CUDA box with two
GPUs, Apple silicon with or without MLX) is described by a :class:`Probes`
whose functions return what that machine's files and libraries would say,
so each is unit-tested on any machine. :func:`system_probes` reads this one.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import util
from typing import Any

CT2_ISA_FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512bw", "avx_vnni", "neon")
"""CPU features that decide which CTranslate2 kernels run (AVX2 / AVX-512 / VNNI int8 / NEON)."""

ISA_ORDER = ("sse", "avx", "avx2", "avx2_vnni", "avx512", "avx512_vnni")
"""The x86 instruction sets the matrix products can run, slowest first; ``*_vnni`` have int8 dot products."""
ISA_LIMITS = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS")
"""Variables that cap the instruction set of CTranslate2's matrix products (oneDNN's, and MKL's on Intel).
``CT2_FORCE_CPU_ISA`` sets only CTranslate2's own element-wise kernels (docs/benchmarks.md)."""
KERNEL_VARIABLES = ("CT2_FORCE_CPU_ISA", *ISA_LIMITS)


@dataclass(frozen=True)
class Cpu:
    model: str
    physical_cores: int
    logical_cores: int
    flags: frozenset[str]
    ram_total: int
    ram_available: int
    compute_types: tuple[str, ...]
    isa: str = ""
    """The instruction set the matrix products run here (an :data:`ISA_ORDER` name, or "neon"; "" unknown):
    the CPU's, capped by :data:`ISA_LIMITS`. Whether it has VNNI decides how fast int8 runs."""

    @property
    def int8_dot(self) -> bool:
        """int8 matrix products have dot-product instructions (VNNI)."""
        return self.isa.endswith("_vnni")

    @property
    def isa_label(self) -> str:
        """The matrix products' instruction set for people: "AVX-512 VNNI", "AVX2 without VNNI", "NEON"."""
        names = {"sse": "SSE", "avx": "AVX", "avx2": "AVX2", "avx512": "AVX-512", "neon": "NEON"}
        if self.int8_dot:
            return f"{names[self.isa.removesuffix('_vnni')]} VNNI"
        if self.isa in ("avx2", "avx512"):
            return f"{names[self.isa]} without VNNI"
        return names.get(self.isa, "unknown instruction set")


@dataclass(frozen=True)
class CudaDevice:
    index: int
    name: str
    compute_capability: tuple[int, int] | None
    memory_total: int
    memory_free: int
    compute_types: tuple[str, ...]


@dataclass(frozen=True)
class AppleGpu:
    chip: str
    unified_memory: int
    metal: bool
    """Metal usable through MLX (False when MLX is not installed)."""


@dataclass(frozen=True)
class Hardware:
    os: str
    arch: str
    cpu: Cpu
    cuda: tuple[CudaDevice, ...] = ()
    apple: AppleGpu | None = None
    notes: tuple[str, ...] = ()
    """Things a user should know: a GPU that CTranslate2 cannot use, MLX missing ..."""
    mlx: bool = False
    """MLX is installed (the MLX engine can run: Metal on Apple, its CPU backend elsewhere)."""


@dataclass(frozen=True)
class NvidiaGpu:
    """What the driver says about one GPU (nvidia-ml-py or nvidia-smi)."""

    name: str
    memory_total: int
    memory_free: int
    compute_capability: tuple[int, int] | None


@dataclass(frozen=True)
class Probes:
    system: Callable[[], str] = platform.system
    machine: Callable[[], str] = platform.machine
    cpuinfo: Callable[[], str] = lambda: _read("/proc/cpuinfo")
    meminfo: Callable[[], str] = lambda: _read("/proc/meminfo")
    sysctl: Callable[[str], str] = lambda key: _run(["sysctl", "-n", key])
    logical_cores: Callable[[], int] = lambda: os.cpu_count() or 1
    ct2_cuda_count: Callable[[], int] = lambda: _ct2_cuda_count()
    ct2_compute_types: Callable[[str, int], tuple[str, ...]] = lambda d, i: _ct2_compute_types(d, i)
    nvidia_gpus: Callable[[], list[NvidiaGpu]] = lambda: _nvidia_gpus()
    mlx: Callable[[], dict[str, Any] | None] = lambda: _mlx_info()
    """None without MLX; else {"metal": bool, "device": mlx.core.metal.device_info()}."""
    mlx_installed: Callable[[], bool] = lambda: _mlx_installed()
    isa_limits: Callable[[], dict[str, str]] = lambda: kernel_variables()
    """The :data:`KERNEL_VARIABLES` set for this process."""
    extra: dict[str, Any] = field(default_factory=dict)


def system_probes() -> Probes:
    return Probes()


def detect(probes: Probes | None = None) -> Hardware:
    p = probes or system_probes()
    system, arch = p.system(), p.machine().lower()
    notes: list[str] = []
    cpu = _cpu(p, system, arch)
    cuda = _cuda(p, notes)
    apple = _apple(p, system, arch, cpu, notes)
    return Hardware(system, arch, cpu, cuda, apple, tuple(notes), mlx=p.mlx_installed())


# -- CPU ------------------------------------------------------------------


def _cpu(p: Probes, system: str, arch: str) -> Cpu:
    logical = p.logical_cores()
    compute_types = p.ct2_compute_types("cpu", 0)
    if system == "Darwin":
        model = p.sysctl("machdep.cpu.brand_string") or arch
        physical = _int(p.sysctl("hw.physicalcpu")) or logical
        flags = {"neon"} if arch in ("arm64", "aarch64") else _darwin_x86_flags(p)
        total = _int(p.sysctl("hw.memsize"))
        isa = matrix_isa(flags, p.isa_limits())
        return Cpu(model, physical, logical, frozenset(flags), total, total, compute_types, isa)
    info = p.cpuinfo()
    model = _first(info, r"^(?:model name|Model|Hardware)\s*:\s*(.+)$") or arch
    raw = set((_first(info, r"^(?:flags|Features)\s*:\s*(.+)$") or "").split())
    flags = {f for f in raw if f in CT2_ISA_FLAGS}
    if "asimd" in raw or arch in ("arm64", "aarch64"):
        flags.add("neon")
    pairs = set(re.findall(r"physical id\s*:\s*(\d+).*?core id\s*:\s*(\d+)", info, flags=re.S))
    physical = len(pairs) or _int(_first(info, r"^cpu cores\s*:\s*(\d+)$")) or logical
    mem = p.meminfo()
    total = _int(_first(mem, r"^MemTotal:\s*(\d+)")) * 1024
    available = _int(_first(mem, r"^MemAvailable:\s*(\d+)")) * 1024 or total
    isa = matrix_isa(flags, p.isa_limits())
    return Cpu(model, min(physical, logical), logical, frozenset(flags), total, available, compute_types, isa)


def kernel_variables() -> dict[str, str]:
    """The :data:`KERNEL_VARIABLES` this process has, as CTranslate2, oneDNN and MKL will read them."""
    return {key: os.environ[key] for key in KERNEL_VARIABLES if os.environ.get(key)}


def matrix_isa(flags: set[str] | frozenset[str], limits: dict[str, str]) -> str:
    """The instruction set of the matrix products: the best ``flags`` allow, capped by the
    :data:`ISA_LIMITS` among ``limits``."""
    if "neon" in flags:
        return "neon"
    has = [
        "avx" in flags,
        "avx2" in flags and "fma" in flags,
        "avx2" in flags and "avx_vnni" in flags,
        "avx512f" in flags and "avx512bw" in flags,
        "avx512f" in flags and "avx512bw" in flags and "avx512_vnni" in flags,
    ]
    best = max((i + 1 for i, ok in enumerate(has) if ok), default=0)
    for key, value in limits.items():
        if key in ISA_LIMITS:
            best = min(best, _limit_rank(value))
    return ISA_ORDER[best]


def _limit_rank(value: str) -> int:
    """A cap as oneDNN (AVX2, AVX2_VNNI, AVX512_CORE, AVX512_CORE_VNNI ...) or MKL (AVX2, AVX512, AVX512_E1 ...)
    names it; unknown names cap nothing."""
    name = value.strip().upper()
    if name in ("SSE41", "SSE4_1", "SSE4_2", "SSE42", "DEFAULT_SSE"):
        return 0
    ranks = {"AVX": 1, "AVX2": 2, "AVX2_VNNI": 3, "AVX2_VNNI_2": 3, "AVX512": 4, "AVX512_CORE": 4}
    return ranks.get(name, len(ISA_ORDER) - 1)


def _darwin_x86_flags(p: Probes) -> set[str]:
    features = (p.sysctl("machdep.cpu.features") + " " + p.sysctl("machdep.cpu.leaf7_features")).lower()
    names = {"avx1.0": "avx", "avx2": "avx2", "fma": "fma", "f16c": "f16c", "avx512f": "avx512f"}
    return {ours for theirs, ours in names.items() if theirs in features.split()}


# -- CUDA -----------------------------------------------------------------


def _cuda(p: Probes, notes: list[str]) -> tuple[CudaDevice, ...]:
    count = p.ct2_cuda_count()
    gpus = p.nvidia_gpus()
    if not count:
        if gpus:
            names = ", ".join(g.name for g in gpus)
            notes.append(f"NVIDIA GPU found ({names}) but this CTranslate2 build cannot use CUDA")
        return ()
    devices = []
    for i in range(count):
        gpu = gpus[i] if i < len(gpus) else None
        devices.append(
            CudaDevice(
                index=i,
                name=gpu.name if gpu else f"CUDA device {i}",
                compute_capability=gpu.compute_capability if gpu else None,
                memory_total=gpu.memory_total if gpu else 0,
                memory_free=gpu.memory_free if gpu else 0,
                compute_types=p.ct2_compute_types("cuda", i),
            )
        )
    if not gpus:
        notes.append("GPU memory unknown: neither nvidia-ml-py nor nvidia-smi answered")
    return tuple(devices)


# -- Apple ----------------------------------------------------------------


def _apple(p: Probes, system: str, arch: str, cpu: Cpu, notes: list[str]) -> AppleGpu | None:
    if system != "Darwin" or arch not in ("arm64", "aarch64"):
        return None
    mlx = p.mlx()
    if mlx is None:
        notes.append("Apple GPU present; install longscribe[apple] (MLX) to use it")
        return AppleGpu(cpu.model, cpu.ram_total, metal=False)
    device = mlx.get("device") or {}
    chip = str(device.get("device_name") or cpu.model)
    memory = int(device.get("memory_size") or cpu.ram_total)
    return AppleGpu(chip, memory, metal=bool(mlx.get("metal")))


# -- default probe implementations ---------------------------------------


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _run(cmd: list[str]) -> str:
    if not shutil.which(cmd[0]):
        return ""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _ct2_cuda_count() -> int:
    import ctranslate2

    try:
        return int(ctranslate2.get_cuda_device_count())
    except RuntimeError:
        return 0


def _ct2_compute_types(device: str, index: int) -> tuple[str, ...]:
    import ctranslate2

    try:
        return tuple(sorted(ctranslate2.get_supported_compute_types(device, index)))
    except (RuntimeError, ValueError):
        return ()


def _nvidia_gpus() -> list[NvidiaGpu]:
    try:
        import pynvml
    except ImportError:
        return _nvidia_smi()
    try:
        pynvml.nvmlInit()
    except Exception:  # no driver: pynvml raises its own NVMLError types
        return _nvidia_smi()
    try:
        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
            name = pynvml.nvmlDeviceGetName(handle)
            cc = pynvml.nvmlDeviceGetCudaComputeCapability(handle)
            gpus.append(NvidiaGpu(name.decode() if isinstance(name, bytes) else name, mem.total, mem.free, tuple(cc)))
        return gpus
    finally:
        pynvml.nvmlShutdown()


def parse_nvidia_smi(text: str) -> list[NvidiaGpu]:
    """``nvidia-smi --query-gpu=name,memory.total,memory.free,compute_cap --format=csv,noheader,nounits``."""
    gpus = []
    for line in text.strip().splitlines():
        parts = [x.strip() for x in line.split(",")]
        if len(parts) < 3:
            continue
        cc = None
        if len(parts) > 3 and re.fullmatch(r"\d+\.\d+", parts[3]):
            major, minor = parts[3].split(".")
            cc = (int(major), int(minor))
        gpus.append(NvidiaGpu(parts[0], _int(parts[1]) * 2**20, _int(parts[2]) * 2**20, cc))
    return gpus


def _nvidia_smi() -> list[NvidiaGpu]:
    query = "--query-gpu=name,memory.total,memory.free,compute_cap"
    return parse_nvidia_smi(_run(["nvidia-smi", query, "--format=csv,noheader,nounits"]))


def _mlx_installed() -> bool:
    """MLX is installed (found without importing it)."""
    try:
        return util.find_spec("mlx") is not None and util.find_spec("mlx.core") is not None
    except (ImportError, ValueError):
        return False


def _mlx_info() -> dict[str, Any] | None:
    """Only asked on Apple silicon, where MLX needs no BLAS set up before it is imported."""
    try:
        import mlx.core as mx
    except ImportError:
        return None
    try:
        metal = bool(mx.metal.is_available())
        return {"metal": metal, "device": dict(mx.metal.device_info()) if metal else {}}
    except (AttributeError, RuntimeError):
        return {"metal": False, "device": {}}


def _first(text: str, pattern: str) -> str:
    m = re.search(pattern, text, flags=re.M)
    return m.group(1).strip() if m else ""


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0
