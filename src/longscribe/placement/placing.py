"""Where and how to run: device, compute type, batch size, workers x threads — each with its reason.

Device and compute type are the ones asked for, else chosen. Automatic order:
Apple GPU (Metal, through the MLX engine) -> CUDA -> CPU. ``mlx-cpu`` (the MLX
engine on MLX's CPU backend) is never chosen automatically: it exists to test
and compare the Apple path anywhere. Asking for a device that is not here is an
error listing what is, never a silent fallback (only ``auto`` falls back).
Workers x threads above the CPU's cores are cut down to them, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from longscribe.errors import OptionsError, UnsupportedDeviceError
from longscribe.placement.hardware import CudaDevice, Hardware

FAST_FP16_CAPABILITY = (7, 0)  # tensor cores: Volta and newer
GPU_MEMORY_USE = 0.8  # leave room for the CUDA context and fragmentation
MAX_GPU_BATCH = 32
CPU_WORKERS = 2
"""Two CTranslate2 workers on a CPU: one decodes (sequential per chunk, leaving cores idle) while the other
encodes (docs/benchmarks.md)."""
CPU_BATCH = 4
"""Chunks per call on a CPU: the fastest measured with aligned timestamps (docs/benchmarks.md)."""
MEASURED_ISAS = ("avx512_vnni", "avx2")
"""The instruction sets the CPU choices (int8, two workers, ``CPU_BATCH``) were measured fastest on
(docs/benchmarks.md): AVX-512 VNNI, and AVX2 without VNNI. Elsewhere ``longscribe tune`` measures."""
METAL_BATCH = 8  # unified memory: the encoder takes several chunks at once
MLX_CPU_BATCH = 4
MLX_TYPES = ("float16", "float32", "bfloat16")
MIB = 2**20


@dataclass(frozen=True)
class Placement:
    """The engine and the hardware it runs on, each choice explained in ``reasons``."""

    engine: str
    """"ct2" (CTranslate2) or "mlx"."""
    device: str
    device_index: int
    compute_type: str
    batch_size: int
    reasons: tuple[str, ...]
    workers: int = 1
    threads: int = 0
    """Intra-op threads per worker (0: CTranslate2's default)."""
    warnings: tuple[str, ...] = ()
    """Requests that were cut down to what the hardware has (e.g. more threads than cores)."""

    @property
    def label(self) -> str:
        index = f":{self.device_index}" if self.device == "cuda" else ""
        return f"{self.device}{index}/{self.compute_type}"


def available_devices(hw: Hardware) -> list[str]:
    found = ["cpu"] + [f"cuda:{d.index} ({d.name})" for d in hw.cuda]
    if hw.apple is not None and hw.apple.metal:
        found.append(f"metal ({hw.apple.chip})")
    if hw.mlx:
        found.append("mlx-cpu (MLX engine on the CPU)")
    return found


def parse_device(value: str) -> tuple[str, int | None]:
    m = re.fullmatch(r"(auto|cpu|metal|mlx-cpu|cuda)(?::(\d+))?", value)
    if not m or (m.group(2) is not None and m.group(1) != "cuda"):
        raise OptionsError(f"invalid device {value!r} (use auto, cpu, cuda, cuda:N, metal or mlx-cpu)")
    return m.group(1), int(m.group(2)) if m.group(2) is not None else None


def place(
    hw: Hardware,
    *,
    device: str | None = None,
    compute_type: str | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
    threads: int = 0,
    model_bytes: int = 0,
) -> Placement:
    """Device, compute type, batch size and workers x threads for this hardware, each choice explained."""
    kind, index, why = choose_device(hw, device)
    reasons = [why]
    supported = _supported(hw, kind, index)
    ctype = compute_type or "auto"
    if ctype == "auto":
        ctype, why = _auto_compute_type(hw, kind, index, supported, model_bytes)
        reasons.append(why)
    else:
        if supported and ctype not in supported and ctype != "default":
            raise UnsupportedDeviceError(
                f"compute type {ctype!r} is not supported on {kind} (supported: {', '.join(supported)})"
            )
        reasons.append(f"compute type {ctype} as asked")
    batch, why = _batch_size(hw, kind, index, ctype, model_bytes, batch_size)
    reasons.append(why)
    split = _workers(hw, kind, workers, threads)
    reasons.append(split.reason)
    engine = "mlx" if kind in ("metal", "mlx-cpu") else "ct2"
    return Placement(engine, kind, index or 0, ctype, batch, tuple(reasons), split.count, split.threads, split.warnings)


def choose_device(hw: Hardware, device: str | None) -> tuple[str, int | None, str]:
    """The device kind and index ``device`` (None: auto) means on this hardware, and why."""
    wanted = device or "auto"
    kind, index = parse_device(wanted)
    if kind == "auto":
        return _auto_device(hw)
    return kind, _check_device(hw, kind, index), f"device {wanted} as asked"


@dataclass(frozen=True)
class _Split:
    count: int
    threads: int
    reason: str
    warnings: tuple[str, ...] = ()


def _workers(hw: Hardware, kind: str, workers: int | None, threads: int) -> _Split:
    """CPU: two workers of half the cores each keep both busy (decoding is sequential per chunk).

    Asked-for workers x threads beyond the CPU's logical cores only make the threads wait on
    each other: workers are cut to the cores, then threads to the cores each worker can have.
    """
    cores = max(1, hw.cpu.physical_cores)
    if kind in ("metal", "mlx-cpu"):
        return _Split(1, 0, "1 MLX stream (MLX parallelises inside each operation)")
    if kind != "cpu":
        count = workers or 1
        return _Split(count, threads, f"{count} worker(s) on the GPU")
    if not workers:
        count = CPU_WORKERS if cores >= CPU_WORKERS else 1
        per = threads or max(1, cores // count)
        why = f"{count} worker(s) x {per} thread(s): CTranslate2 decoding leaves cores idle in one worker"
        return _fit(hw, count, per, why, asked=bool(threads))
    per = threads or max(1, cores // workers)
    return _fit(hw, workers, per, f"{workers} worker(s) x {per} thread(s) as asked", asked=True)


def _measured(hw: Hardware) -> str:
    """Whether the CPU choices were measured on this CPU's instruction set, for a reason."""
    if hw.cpu.isa in MEASURED_ISAS:
        return f"{hw.cpu.isa_label} matrix products: measured fastest there"
    return f"{hw.cpu.isa_label} matrix products: not measured there; `longscribe tune` measures this CPU"


def _fit(hw: Hardware, count: int, per: int, reason: str, *, asked: bool) -> _Split:
    logical = max(1, hw.cpu.logical_cores)
    if count * per <= logical or not asked:
        return _Split(count, per, reason)
    fitted_count = min(count, logical)
    fitted_per = max(1, min(per, logical // fitted_count))
    warning = (
        f"{count} worker(s) x {per} thread(s) is more than the {logical} CPU core(s) here:"
        f" using {fitted_count} x {fitted_per}"
    )
    return _Split(
        fitted_count, fitted_per, f"{fitted_count} worker(s) x {fitted_per} thread(s) (cut to the cores)", (warning,)
    )


def _auto_device(hw: Hardware) -> tuple[str, int | None, str]:
    skipped = ""
    if hw.apple is not None:
        if hw.apple.metal:
            return "metal", None, f"Apple GPU {hw.apple.chip} with Metal, through the MLX engine"
        skipped = f"Apple GPU {hw.apple.chip} found but MLX is not installed (pip install 'longscribe[apple]'); "
    if hw.cuda:
        best = max(hw.cuda, key=lambda d: (d.memory_free, -d.index))
        return (
            "cuda",
            best.index,
            f"{skipped}CUDA device {best.index} ({best.name}, {best.memory_free // MIB} MiB free)",
        )
    return "cpu", None, f"{skipped}no GPU usable by CTranslate2; CPU ({hw.cpu.physical_cores} cores)"


def _check_device(hw: Hardware, kind: str, index: int | None) -> int | None:
    available = ", ".join(available_devices(hw))
    if kind == "cuda":
        if not hw.cuda:
            extra = f"; {'; '.join(hw.notes)}" if hw.notes else ""
            raise UnsupportedDeviceError(f"no CUDA device here (available: {available}){extra}")
        if index is not None and index >= len(hw.cuda):
            raise UnsupportedDeviceError(f"no CUDA device {index} (available: {available})")
        return index if index is not None else max(hw.cuda, key=lambda d: d.memory_free).index
    if kind == "metal":
        if hw.apple is None:
            raise UnsupportedDeviceError(f"no Apple GPU with Metal here (available: {available})")
        if not hw.apple.metal:
            raise UnsupportedDeviceError("Apple GPU found but MLX is not installed: pip install 'longscribe[apple]'")
    if kind == "mlx-cpu" and not hw.mlx:
        raise UnsupportedDeviceError(f"mlx-cpu needs MLX: pip install 'longscribe[apple]' (available: {available})")
    return index


def _supported(hw: Hardware, kind: str, index: int | None) -> tuple[str, ...]:
    if kind == "cuda":
        return _gpu(hw, index).compute_types
    if kind in ("metal", "mlx-cpu"):
        return MLX_TYPES
    return hw.cpu.compute_types


def _gpu(hw: Hardware, index: int | None) -> CudaDevice:
    return next(d for d in hw.cuda if d.index == (index or 0))


def weight_bytes(model_bytes: int, compute_type: str) -> int:
    """In-memory size of the weights: int8 types store most weights in one byte, float32 in four."""
    if compute_type.startswith("int8"):
        return model_bytes // 2 if model_bytes else 0
    if compute_type == "float32":
        return model_bytes * 2
    return model_bytes  # bundled and hub models are stored as float16


def activation_bytes(model_bytes: int) -> int:
    """Per batch item (beam 5): a heuristic scaled on the model size, with a floor for the small ones."""
    return max(96 * MIB, model_bytes // 3)


def _auto_compute_type(
    hw: Hardware, kind: str, index: int | None, supported: tuple[str, ...], model_bytes: int
) -> tuple[str, str]:
    def first(*names: str) -> str:
        return next((n for n in names if n in supported), "default")

    if kind == "cpu":
        ctype = first("int8", "int8_float32", "float32")
        return ctype, f"{ctype}: fastest type CTranslate2 offers on this CPU ({_measured(hw)})"
    if kind == "metal":
        return "float16", "float16 on the Apple GPU"
    if kind == "mlx-cpu":
        return "float32", "float32: MLX's CPU backend has a BLAS path for float32 only"
    gpu = _gpu(hw, index)
    fast_fp16 = gpu.compute_capability is None or gpu.compute_capability >= FAST_FP16_CAPABILITY
    need = weight_bytes(model_bytes, "float16") + 2 * activation_bytes(model_bytes)
    fits = not gpu.memory_free or need <= gpu.memory_free * GPU_MEMORY_USE
    if fast_fp16 and fits and "float16" in supported:
        return "float16", f"float16: card has fast fp16 and {gpu.memory_free // MIB} MiB free"
    why = (
        "no fast fp16 on this card"
        if not fast_fp16
        else f"model would not fit comfortably in {gpu.memory_free // MIB} MiB"
    )
    ctype = first("int8_float16", "int8", "float32")
    return ctype, f"{ctype}: {why}"


def _batch_size(
    hw: Hardware, kind: str, index: int | None, ctype: str, model_bytes: int, requested: int | None
) -> tuple[int, str]:
    if requested:
        return requested, f"batch size {requested} as asked"
    if kind == "metal":
        return METAL_BATCH, f"batch size {METAL_BATCH}: chunks encoded together on the Apple GPU"
    if kind == "mlx-cpu":
        return MLX_CPU_BATCH, f"batch size {MLX_CPU_BATCH}: decoder steps shared by the chunks of a batch"
    if kind != "cuda":
        return CPU_BATCH, f"batch size {CPU_BATCH} per worker (CPU, {_measured(hw)})"
    gpu = _gpu(hw, index)
    if not gpu.memory_free:
        return 8, "batch size 8 (GPU memory unknown)"
    room = gpu.memory_free * GPU_MEMORY_USE - weight_bytes(model_bytes, ctype)
    batch = int(max(1, min(MAX_GPU_BATCH, room // activation_bytes(model_bytes))))
    return (
        batch,
        f"batch size {batch}: {gpu.memory_free // MIB} MiB free, ~{activation_bytes(model_bytes) // MIB} MiB per chunk",
    )


def next_after_oom(placement: Placement, hw: Hardware) -> Placement | None:
    """One step down after a CUDA out-of-memory error at batch size 1: a smaller type, then the CPU."""
    if placement.device != "cuda":
        return None
    supported = _gpu(hw, placement.device_index).compute_types
    order = ["float32", "float16", "bfloat16", "int8_float16", "int8_bfloat16", "int8"]
    if placement.compute_type in order:
        for smaller in order[order.index(placement.compute_type) + 1 :]:
            if smaller in supported and smaller not in ("bfloat16", "int8_bfloat16"):
                reason = f"out of GPU memory: compute type {placement.compute_type} -> {smaller}"
                return replace(placement, compute_type=smaller, batch_size=1, reasons=(*placement.reasons, reason))
    ctype = next((c for c in ("int8", "int8_float32", "float32") if c in hw.cpu.compute_types), "default")
    reason = f"out of GPU memory even at {placement.compute_type}: CPU {ctype}"
    split = _workers(hw, "cpu", None, 0)
    return Placement("ct2", "cpu", 0, ctype, CPU_BATCH, (*placement.reasons, reason), split.count, split.threads)
