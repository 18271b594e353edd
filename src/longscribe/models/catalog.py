"""Which models exist, which are here, and ``--model auto``: the largest one fast enough.

Expected speeds (x real time, beam 5, VAD) are a small table: the CPU rows for
tiny.en and base were measured by longscribe on a 2-core AVX2 machine
(docs/benchmarks.md); the others are scaled from them by the models' relative
compute (encoder + decoder FLOPs per 30 s window), and the CUDA rows are
estimates for a current data-centre GPU in float16. ``longscribe tune`` measures
speed for one model on this machine; it does not change this table.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from longscribe.errors import ModelNotFoundError, OptionsError
from longscribe.models.bundles import BUNDLES, package_dir

QUALITY_SPEED = {"fast": 30.0, "balanced": 10.0, "best": 1.0}
"""Minimum expected speed (x real time) that each --quality asks for."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    rank: int
    """Larger is more accurate."""
    cpu_speed: float
    """Expected x real time on 2 CPU cores, int8."""
    cuda_speed: float
    multilingual: bool = True


CATALOG: tuple[ModelSpec, ...] = (
    ModelSpec("tiny.en", 1, 36.0, 250.0, multilingual=False),
    ModelSpec("tiny", 1, 34.0, 250.0),
    ModelSpec("base.en", 2, 19.0, 200.0, multilingual=False),
    ModelSpec("base", 2, 19.0, 200.0),
    ModelSpec("small.en", 3, 6.0, 120.0, multilingual=False),
    ModelSpec("small", 3, 6.0, 120.0),
    ModelSpec("distil-small.en", 3, 9.0, 180.0, multilingual=False),
    ModelSpec("medium.en", 4, 2.0, 60.0, multilingual=False),
    ModelSpec("medium", 4, 2.0, 60.0),
    ModelSpec("distil-medium.en", 4, 3.5, 100.0, multilingual=False),
    ModelSpec("turbo", 5, 2.5, 90.0),
    ModelSpec("distil-large-v3", 5, 2.0, 80.0, multilingual=False),
    ModelSpec("large-v3", 6, 0.8, 35.0),
)
BY_NAME = {m.name: m for m in CATALOG}


def expected_speed(spec: ModelSpec, device: str, physical_cores: int) -> float:
    if device == "cuda":
        return spec.cuda_speed
    return spec.cpu_speed * max(1, physical_cores) / 2  # roughly linear in cores for these sizes


def hub_reachable(timeout: float = 1.5) -> bool:
    """The Hugging Face hub answers, and huggingface_hub is not told to stay offline (``HF_HUB_OFFLINE``)."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _in_hf_cache(name: str) -> bool:
    from faster_whisper.utils import download_model

    try:
        download_model(name, local_files_only=True)
        return True
    except Exception:  # huggingface_hub raises several types for "not cached"
        return False


def available_models(*, check_hub: bool = True) -> dict[str, str]:
    """Model name -> where it would come from (bundle, hub cache, hub)."""
    found: dict[str, str] = {}
    for name, bundles in BUNDLES.items():
        for bundle in bundles:
            if all(package_dir(p) is not None for p in bundle.packages):
                found[name] = f"bundle:{'+'.join(bundle.packages)}"
                break
    online = check_hub and hub_reachable()
    for spec in CATALOG:
        if spec.name in found:
            continue
        if _in_hf_cache(spec.name):
            found[spec.name] = "hub cache"
        elif online:
            found[spec.name] = "hub"
    return found


def span(seconds: float) -> str:
    """A duration as people say it: ``51 s``, ``1.5 min``, ``2 h 05 min``."""
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.3g} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest:02d} min"


@dataclass(frozen=True)
class ModelPick:
    name: str
    reason: str


def pick_model(
    available: dict[str, str],
    *,
    device: str,
    physical_cores: int,
    quality: str = "balanced",
    deadline_seconds: float | None = None,
    audio_seconds: float | None = None,
    language: str | None = None,
) -> ModelPick:
    """The largest available model whose expected speed meets the quality or the deadline."""
    if quality not in QUALITY_SPEED:
        raise OptionsError(f"quality must be one of {', '.join(QUALITY_SPEED)}")
    if deadline_seconds is not None and audio_seconds:
        needed = audio_seconds / deadline_seconds
        goal = f"{span(audio_seconds)} of audio within {span(deadline_seconds)} needs {needed:.1f}x"
    else:
        needed = QUALITY_SPEED[quality]
        goal = f"--quality {quality} needs >= {needed:g}x real time"
    english_only_ok = language == "en"
    candidates = [BY_NAME[n] for n in available if n in BY_NAME and (BY_NAME[n].multilingual or english_only_ok)]
    if not candidates:
        raise ModelNotFoundError("auto", [f"no usable model available (found: {', '.join(available) or 'none'})"])
    fast_enough = [m for m in candidates if expected_speed(m, device, physical_cores) >= needed]
    pool = fast_enough or [max(candidates, key=lambda m: expected_speed(m, device, physical_cores))]
    chosen = max(pool, key=lambda m: (m.rank, expected_speed(m, device, physical_cores)))
    speed = expected_speed(chosen, device, physical_cores)
    verdict = "largest available that meets it" if fast_enough else "none meets it: the fastest available"
    return ModelPick(
        chosen.name, f"{goal}; {chosen.name} (~{speed:.0f}x on {device}, {available[chosen.name]}) is the {verdict}"
    )
