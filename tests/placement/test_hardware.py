"""Detection and placement on every kind of machine, through injected probes."""

from __future__ import annotations

from pathlib import Path

import pytest

from longscribe import OptionsError, UnsupportedDeviceError
from longscribe.placement.hardware import NvidiaGpu, detect, parse_nvidia_smi
from longscribe.placement.placing import available_devices, next_after_oom, place
from machines import BASE_BYTES, GIB, LARGE_BYTES, linux, mac, two_gpus


def test_cpu_only_box() -> None:
    hw = detect(linux())
    assert (hw.cpu.physical_cores, hw.cpu.logical_cores) == (4, 8)
    assert {"avx2", "fma"} <= hw.cpu.flags and "avx512f" not in hw.cpu.flags
    assert hw.cpu.ram_total == 32000000 * 1024 and hw.cpu.ram_available == 20000000 * 1024
    assert hw.cuda == () and hw.apple is None
    p = place(hw, model_bytes=BASE_BYTES)
    assert (p.engine, p.device, p.compute_type) == ("ct2", "cpu", "int8")
    assert any("no GPU" in r for r in p.reasons)


def test_two_gpus_of_different_memory_pick_the_roomier_one_and_size_the_batch() -> None:
    hw = detect(two_gpus())
    assert [d.name for d in hw.cuda] == ["NVIDIA A100 80GB", "Tesla T4"]
    assert hw.cuda[1].compute_capability == (7, 5)
    p = place(hw, model_bytes=BASE_BYTES)
    assert (p.device, p.device_index, p.compute_type) == ("cuda", 0, "float16")
    assert p.batch_size == 32
    small = place(hw, device="cuda:1", model_bytes=LARGE_BYTES)
    assert small.device_index == 1 and small.compute_type == "int8_float16", small.reasons
    assert any("would not fit" in r for r in small.reasons)
    assert 1 <= place(hw, device="cuda:1", model_bytes=BASE_BYTES).batch_size < p.batch_size


def test_a_card_without_fast_fp16_gets_int8_float16() -> None:
    gpus = [NvidiaGpu("Tesla P40", 24 * GIB, 23 * GIB, (6, 1))]
    hw = detect(linux(ct2_cuda_count=lambda: 1, nvidia_gpus=lambda: gpus))
    p = place(hw, model_bytes=BASE_BYTES)
    assert p.compute_type == "int8_float16" and any("no fast fp16" in r for r in p.reasons)


def test_gpu_present_but_ctranslate2_built_without_cuda() -> None:
    hw = detect(linux(nvidia_gpus=lambda: [NvidiaGpu("RTX 4090", 24 * GIB, 20 * GIB, (8, 9))]))
    assert hw.cuda == () and "cannot use CUDA" in hw.notes[0]
    assert place(hw).device == "cpu"
    with pytest.raises(UnsupportedDeviceError, match="cannot use CUDA"):
        place(hw, device="cuda")


def test_apple_silicon_with_mlx_runs_the_mlx_engine_on_metal_in_float16() -> None:
    hw = detect(mac({"metal": True, "device": {"device_name": "Apple M2 Pro GPU", "memory_size": 32 * GIB}}))
    assert hw.apple is not None and hw.apple.metal and hw.apple.chip == "Apple M2 Pro GPU"
    assert hw.cpu.physical_cores == 10 and "neon" in hw.cpu.flags
    p = place(hw)
    assert (p.engine, p.device, p.compute_type, p.batch_size, p.workers) == ("mlx", "metal", "float16", 8, 1)
    assert "Metal" in p.reasons[0]
    assert place(hw, device="metal", compute_type="float32").compute_type == "float32"
    assert "metal (Apple M2 Pro GPU)" in available_devices(hw)
    with pytest.raises(UnsupportedDeviceError, match="not supported on metal"):
        place(hw, device="metal", compute_type="int8")
    assert place(hw, device="cpu").engine == "ct2"


def test_apple_silicon_without_mlx_says_what_to_install() -> None:
    hw = detect(mac(None))
    assert hw.apple is not None and not hw.apple.metal
    assert any("longscribe[apple]" in n for n in hw.notes)
    p = place(hw)
    assert p.device == "cpu" and "MLX is not installed" in p.reasons[0]
    with pytest.raises(UnsupportedDeviceError, match=r"longscribe\[apple\]"):
        place(hw, device="metal")


def test_mlx_cpu_is_only_used_when_asked_and_installed() -> None:
    assert place(detect(linux(mlx_installed=lambda: True))).engine == "ct2"
    p = place(detect(linux(mlx_installed=lambda: True)), device="mlx-cpu")
    assert (p.engine, p.device, p.compute_type, p.workers) == ("mlx", "mlx-cpu", "float32", 1)
    with pytest.raises(UnsupportedDeviceError, match=r"mlx-cpu needs MLX"):
        place(detect(linux()), device="mlx-cpu")


def test_asking_for_a_missing_device_lists_what_is_there() -> None:
    with pytest.raises(UnsupportedDeviceError, match=r"available: cpu\)"):
        place(detect(linux()), device="cuda")
    with pytest.raises(UnsupportedDeviceError, match="no CUDA device 5"):
        place(detect(two_gpus()), device="cuda:5")


def test_asked_for_beats_auto() -> None:
    hw = detect(two_gpus())
    auto = place(hw)
    assert (auto.device, auto.compute_type) == ("cuda", "float16")
    asked = place(hw, device="cpu", compute_type="float32")
    assert (asked.device, asked.compute_type) == ("cpu", "float32")
    assert asked.reasons[:2] == ("device cpu as asked", "compute type float32 as asked")


@pytest.mark.parametrize(
    ("device", "compute_type", "error"),
    [
        ("gpu", None, OptionsError),
        ("cpu:1", None, OptionsError),
        ("cpu", "float16", UnsupportedDeviceError),
        (None, "int16", UnsupportedDeviceError),
    ],
)
def test_invalid_values_are_refused(device: str | None, compute_type: str | None, error: type[Exception]) -> None:
    with pytest.raises(error) as exc:
        place(detect(linux()), device=device, compute_type=compute_type)
    assert "supported: float32, int8, int8_float32" in str(exc.value) or error is OptionsError


def test_more_workers_and_threads_than_cores_are_cut_to_the_cores_with_a_warning() -> None:
    hw = detect(linux())  # 4 physical, 8 logical cores
    threads = place(hw, threads=999)
    assert (threads.workers, threads.threads) == (2, 4) and "999 thread(s)" in threads.warnings[0]
    workers = place(hw, workers=100, threads=3)
    assert (workers.workers, workers.threads) == (8, 1) and "100 worker(s)" in workers.warnings[0]
    fits = place(hw, workers=2, threads=4)
    assert (fits.workers, fits.threads, fits.warnings) == (2, 4, ())
    assert place(detect(two_gpus()), workers=4).workers == 4, "GPU workers are not CPU threads"


def test_out_of_memory_steps_down_compute_type_then_to_the_cpu() -> None:
    hw = detect(two_gpus())
    p = place(hw, model_bytes=BASE_BYTES)
    steps = []
    while p is not None:
        steps.append((p.device, p.compute_type))
        p = next_after_oom(p, hw)  # type: ignore[assignment]
    assert steps == [("cuda", "float16"), ("cuda", "int8_float16"), ("cuda", "int8"), ("cpu", "int8")]


def test_nvidia_smi_output_is_parsed() -> None:
    text = "NVIDIA H100 80GB HBM3, 81559, 80000, 9.0\nTesla T4, 15360, 15000, 7.5\n"
    gpus = parse_nvidia_smi(text)
    assert gpus[0] == NvidiaGpu("NVIDIA H100 80GB HBM3", 81559 * 2**20, 80000 * 2**20, (9, 0))
    assert gpus[1].compute_capability == (7, 5)


def test_this_machine_is_reported_as_proc_cpuinfo_says() -> None:
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("no /proc/cpuinfo on this system")
    text = cpuinfo.read_text()
    hw = detect()
    logical = sum(1 for line in text.splitlines() if line.startswith("processor"))
    flags = set(next(line for line in text.splitlines() if line.startswith("flags")).split(":", 1)[1].split())
    assert hw.cpu.logical_cores == logical
    pairs = {
        (block.split("physical id")[1].split(":")[1].split()[0], block.split("core id")[1].split(":")[1].split()[0])
        for block in text.split("\n\n")
        if "core id" in block
    }
    assert hw.cpu.physical_cores == (len(pairs) or logical)
    for flag in ("avx2", "avx512f", "avx512_vnni"):
        assert (flag in hw.cpu.flags) == (flag in flags), flag
    import ctranslate2

    if ctranslate2.get_cuda_device_count() == 0:
        assert hw.cuda == () and place(hw).device == "cpu"


AVX512_VNNI = "avx avx2 fma avx512f avx512bw avx512_vnni"


@pytest.mark.parametrize(
    ("flags", "limits", "isa", "label"),
    [
        (AVX512_VNNI, {}, "avx512_vnni", "AVX-512 VNNI"),
        ("avx avx2 fma avx512f avx512bw", {}, "avx512", "AVX-512 without VNNI"),
        ("avx avx2 fma avx_vnni", {}, "avx2_vnni", "AVX2 VNNI"),
        ("avx avx2 fma f16c", {}, "avx2", "AVX2 without VNNI"),
        (AVX512_VNNI, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, "avx2", "AVX2 without VNNI"),
        (AVX512_VNNI, {"MKL_ENABLE_INSTRUCTIONS": "AVX512"}, "avx512", "AVX-512 without VNNI"),
        (AVX512_VNNI, {"CT2_FORCE_CPU_ISA": "AVX2"}, "avx512_vnni", "AVX-512 VNNI"),
        ("avx avx2 fma", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"}, "avx2", "AVX2 without VNNI"),
    ],
)
def test_the_matrix_products_instruction_set_is_the_cpus_capped_by_the_libraries_variables(
    flags: str, limits: dict[str, str], isa: str, label: str
) -> None:
    cpuinfo = f"model name\t: Some CPU\nflags\t\t: fpu sse4_2 {flags}\n"
    hw = detect(linux(cpuinfo=lambda: cpuinfo, isa_limits=lambda: limits))
    assert (hw.cpu.isa, hw.cpu.isa_label) == (isa, label)
    assert hw.cpu.int8_dot == ("VNNI" in label and "without" not in label)
    reasons = place(hw).reasons
    assert label in next(r for r in reasons if r.startswith("int8"))
    batch = next(r for r in reasons if r.startswith("batch size"))
    measured = isa in ("avx512_vnni", "avx2")  # docs/benchmarks.md measured the CPU choices on these
    assert ("measured fastest there" in batch) == measured and ("longscribe tune" in batch) != measured


def test_the_tuning_cache_tells_a_capped_instruction_set_apart() -> None:
    from longscribe.placement.tuning import hardware_key

    cpuinfo = f"flags\t: {AVX512_VNNI}\n"
    vnni = detect(linux(cpuinfo=lambda: cpuinfo))
    capped = detect(linux(cpuinfo=lambda: cpuinfo, isa_limits=lambda: {"ONEDNN_MAX_CPU_ISA": "AVX2"}))
    assert hardware_key(vnni) != hardware_key(capped)
