"""Which device and compute type to run on.

Kept small on purpose: detection of GPUs, Apple silicon and CPU features grows
here (issue 4); the pipeline only asks :func:`choose_device`.
"""

from __future__ import annotations

from dataclasses import dataclass

from longscribe.errors import UnsupportedDeviceError


@dataclass(frozen=True)
class DeviceChoice:
    device: str
    compute_type: str
    reason: str


def cuda_device_count() -> int:
    import ctranslate2

    try:
        return int(ctranslate2.get_cuda_device_count())
    except RuntimeError:
        return 0


def supported_compute_types(device: str) -> set[str]:
    import ctranslate2

    try:
        return set(ctranslate2.get_supported_compute_types(device))
    except (RuntimeError, ValueError):
        return set()


def choose_device(device: str, compute_type: str) -> DeviceChoice:
    """Resolve ``auto`` values; refuse a device or compute type that is not available."""
    cuda = cuda_device_count()
    if device == "auto":
        device, reason = ("cuda", f"{cuda} CUDA device(s) found") if cuda else ("cpu", "no CUDA device found")
    elif device == "cuda" and not cuda:
        raise UnsupportedDeviceError("device 'cuda' requested but no CUDA device is available (available: cpu)")
    else:
        reason = f"--device {device}"
    supported = supported_compute_types(device)
    if compute_type == "auto":
        preferred = ("float16", "int8_float16", "int8") if device == "cuda" else ("int8", "int8_float32", "float32")
        compute_type = next((c for c in preferred if c in supported), "default")
        return DeviceChoice(device, compute_type, f"{reason}; {compute_type} is the fastest type supported there")
    if compute_type != "default" and supported and compute_type not in supported:
        raise UnsupportedDeviceError(
            f"compute type {compute_type!r} is not supported on {device} (supported: {', '.join(sorted(supported))})"
        )
    return DeviceChoice(device, compute_type, f"{reason}; --compute-type {compute_type}")
