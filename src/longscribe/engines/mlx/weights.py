"""MLX weights for a resolved model: an MLX directory as is, or a CTranslate2 one converted once.

Converted weights are cached next to the assembled models, in
``<cache>/models/<model dir>.mlx-<key>``, keyed by the source ``model.bin``'s
path, size and mtime; building happens in a temp dir renamed into place, so a
killed conversion leaves nothing half-written behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from longscribe.errors import ModelFormatError
from longscribe.models.ct2_file import read_ct2_model
from longscribe.models.resolve import MLX_WEIGHTS, cache_dir, is_mlx_dir

log = logging.getLogger(__name__)

SIDE_FILE = "longscribe-mlx.json"
CONVERTER_VERSION = 1
# Tokenizers for MLX hub weights that come without one, by vocabulary size.
HUB_TOKENIZERS = {51864: "openai/whisper-tiny.en", 51865: "openai/whisper-tiny", 51866: "openai/whisper-large-v3"}


def weights_file(directory: Path) -> Path:
    return next(directory / f for f in MLX_WEIGHTS if (directory / f).is_file())


def mlx_dir_for(model_dir: str | Path, cache: str | Path | None = None) -> Path:
    """A directory with MLX weights, config.json and tokenizer.json for ``model_dir``
    (converted ones under ``cache``, default :func:`~longscribe.models.cache_dir`)."""
    source = Path(model_dir)
    if is_mlx_dir(source):
        return source
    model_bin = source / "model.bin"
    if not model_bin.is_file():
        raise ModelFormatError(str(source), "neither MLX weights (weights.safetensors) nor a CTranslate2 model.bin")
    stat = model_bin.stat()
    key = hashlib.sha256(f"{model_bin.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{CONVERTER_VERSION}".encode())
    target = cache_dir(cache) / "models" / f"{source.name}.mlx-{key.hexdigest()[:12]}"
    if is_mlx_dir(target) and (target / SIDE_FILE).is_file():
        return target
    _convert_into(source, target)
    return target


def _convert_into(source: Path, target: Path) -> None:
    from longscribe.engines.mlx.convert import convert
    from longscribe.engines.mlx.runtime import import_mlx

    mx = import_mlx()
    log.info("converting %s to MLX weights in %s (once)", source, target)
    converted = convert(read_ct2_model(source / "model.bin"), str(source / "model.bin"))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        mx.save_safetensors(str(tmp / "weights.safetensors"), {k: mx.array(v) for k, v in converted.weights.items()})
        (tmp / "config.json").write_text(json.dumps(converted.config, indent=1))
        ct2_config = json.loads((source / "config.json").read_text()) if (source / "config.json").is_file() else {}
        side = {"source": str(source), "converter": CONVERTER_VERSION, **_decoding_config(ct2_config)}
        (tmp / SIDE_FILE).write_text(json.dumps(side, indent=1))
        if (source / "tokenizer.json").is_file():
            shutil.copy2(source / "tokenizer.json", tmp / "tokenizer.json")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _decoding_config(ct2_config: dict[str, Any]) -> dict[str, Any]:
    keys = ("alignment_heads", "suppress_ids", "suppress_ids_begin", "lang_ids")
    return {k: ct2_config[k] for k in keys if k in ct2_config}


def decoding_config(directory: Path) -> dict[str, Any]:
    side = directory / SIDE_FILE
    return dict(json.loads(side.read_text())) if side.is_file() else {}


def tokenizer_file(directory: Path, n_vocab: int) -> Path:
    """tokenizer.json of the model, or (MLX hub weights come without) the matching one from the hub."""
    local = directory / "tokenizer.json"
    if local.is_file():
        return local
    repo = HUB_TOKENIZERS.get(n_vocab)
    if repo is None:
        raise ModelFormatError(str(directory), f"no tokenizer.json and no known tokenizer for {n_vocab} tokens")
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(repo, "tokenizer.json"))
    except Exception as exc:  # huggingface_hub raises many unrelated types
        raise ModelFormatError(str(directory), f"no tokenizer.json, and {repo}'s could not be fetched ({exc})") from exc
