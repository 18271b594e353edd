"""CTranslate2 Whisper weights -> the MLX Whisper layout (mlx-community's names).

The same bundled or downloaded CTranslate2 model then runs on both engines.
CTranslate2 fuses attention projections (self-attention q|k|v, cross-attention
k|v) and keeps a zero bias for the key projection, which Whisper does not have;
both are split back here. Conv weights go from (out, in, k) to MLX's
(out, k, in). Int8 weights are dequantized with their per-row scales.
Scalars of the spec (head counts, flags) become ``config.json`` fields or are
checked to hold Whisper's values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from longscribe.errors import ModelFormatError
from longscribe.models.ct2_file import Ct2Model

Array = npt.NDArray[np.generic]

# Spec flags that must hold these values for the MLX model to compute the same thing.
EXPECTED_FLAGS = {
    "decoder/activation": 3,  # ctranslate2.specs.Activation.GELU (erf)
    "decoder/pre_norm": 1,
    "decoder/alibi": 0,
    "decoder/scale_embeddings": 0,
    "decoder/start_from_zero_embedding": 0,
}
SETTINGS = (
    "encoder/num_heads",
    "decoder/num_heads",
    "decoder/alibi_use_positive_positions",
    "decoder/scale_alibi",
    "decoder/alignment_heads",
    "decoder/alignment_layer",
)

_LAYER = re.compile(r"(encoder|decoder)/layer_(\d+)/(.+)")
_COMMON = {
    "self_attention/layer_norm": "attn_ln",
    "self_attention/linear_1": "attn.out",
    "ffn/layer_norm": "mlp_ln",
    "ffn/linear_0": "mlp1",
    "ffn/linear_1": "mlp2",
    "attention/layer_norm": "cross_attn_ln",
    "attention/linear_0": "cross_attn.query",
    "attention/linear_2": "cross_attn.out",
}
_TOP = {
    "encoder/conv1": "encoder.conv1",
    "encoder/conv2": "encoder.conv2",
    "encoder/layer_norm": "encoder.ln_post",
    "decoder/layer_norm": "decoder.ln",
    "decoder/embeddings": "decoder.token_embedding",
}
_FUSED = {
    "self_attention/linear_0": ("attn.query", "attn.key", "attn.value"),
    "attention/linear_1": ("cross_attn.key", "cross_attn.value"),
}


@dataclass
class Converted:
    weights: dict[str, Array]
    config: dict[str, int | str]
    sources: dict[str, list[str]] = field(default_factory=dict)
    """CT2 variable -> the MLX tensors (or ``config:``/``checked:`` entries) it became."""


def convert(ct2: Ct2Model, origin: str = "model.bin") -> Converted:
    """Map every CT2 variable to its MLX tensor(s); raise ModelFormatError on anything unexpected."""
    if ct2.spec != "WhisperSpec":
        raise ModelFormatError(origin, f"a {ct2.spec} model, not Whisper")
    out = Converted({}, {})
    for name in sorted(ct2.variables):
        if name.endswith("_scale"):
            continue  # consumed with its int8 weight
        value = ct2.variables[name]
        if value.ndim == 0:
            out.sources[name] = [_setting(ct2, name, origin)]
            continue
        out.sources[name] = _tensor(ct2, name, _dequantized(ct2, name), out.weights, origin)
    for alias, target in ct2.aliases.items():
        if alias != "decoder/projection/weight" or target != "decoder/embeddings/weight":
            raise ModelFormatError(origin, f"unexpected alias {alias} -> {target}")
        out.sources[alias] = ["tied:decoder.token_embedding.weight"]
    out.config = _config(ct2, origin)
    return out


def _setting(ct2: Ct2Model, name: str, origin: str) -> str:
    if name in EXPECTED_FLAGS:
        if ct2.scalar(name) != EXPECTED_FLAGS[name]:
            raise ModelFormatError(origin, f"{name} = {ct2.scalar(name)}: not a standard Whisper model")
        return f"checked:{name}"
    if name in SETTINGS:
        return f"config:{name}"
    raise ModelFormatError(origin, f"unknown setting {name}")


def _dequantized(ct2: Ct2Model, name: str) -> Array:
    value = ct2.variables[name]
    scale = ct2.variables.get(name + "_scale")
    if value.dtype == np.int8:
        if scale is None:
            raise ModelFormatError("model.bin", f"int8 variable {name} without a scale")
        return (value.astype(np.float32) / scale.astype(np.float32).reshape(-1, 1)).astype(np.float16)
    if value.dtype == np.int16 and scale is not None:
        return (value.astype(np.float32) / float(scale.reshape(-1)[0])).astype(np.float16)
    return value.astype(np.float16) if value.dtype != np.float16 else value


def _tensor(ct2: Ct2Model, name: str, value: Array, weights: dict[str, Array], origin: str) -> list[str]:
    if name == "encoder/position_encodings/encodings":
        return _put(weights, "encoder.positional_embedding", value)
    if name == "decoder/position_encodings/encodings":
        return _put(weights, "decoder.positional_embedding", value)
    base, _, leaf = name.rpartition("/")
    suffix = {"weight": "weight", "bias": "bias", "gamma": "weight", "beta": "bias"}.get(leaf)
    if suffix is None:
        raise ModelFormatError(origin, f"unexpected variable {name}")
    if base in _TOP:
        if base.startswith("encoder/conv") and suffix == "weight":
            value = np.ascontiguousarray(value.swapaxes(1, 2))
        return _put(weights, f"{_TOP[base]}.{suffix}", value)
    m = _LAYER.fullmatch(base)
    if m is None:
        raise ModelFormatError(origin, f"unexpected variable {name}")
    side, index, part = m.groups()
    prefix = f"{side}.blocks.{index}"
    if part in _COMMON:
        return _put(weights, f"{prefix}.{_COMMON[part]}.{suffix}", value)
    if part in _FUSED:
        targets = _FUSED[part]
        pieces = np.split(value, len(targets), axis=0)
        placed: list[str] = []
        for target, piece in zip(targets, pieces):
            if target.endswith(".key") and suffix == "bias":
                if np.any(piece != 0):
                    raise ModelFormatError(origin, f"{name}: Whisper's key projection has no bias, found non-zero")
                placed.append(f"dropped-zero-key-bias:{prefix}.{target}")
                continue
            placed += _put(weights, f"{prefix}.{target}.{suffix}", np.ascontiguousarray(piece))
        return placed
    raise ModelFormatError(origin, f"unexpected variable {name}")


def _put(weights: dict[str, Array], key: str, value: Array) -> list[str]:
    if key in weights:
        raise ModelFormatError("model.bin", f"two variables map to {key}")
    weights[key] = value
    return [key]


def _config(ct2: Ct2Model, origin: str) -> dict[str, int | str]:
    def layers(side: str) -> int:
        found = {int(m.group(2)) for n in ct2.variables if (m := _LAYER.match(n)) and m.group(1) == side}
        if found != set(range(len(found))):
            raise ModelFormatError(origin, f"{side} layers are not numbered 0..n-1")
        return len(found)

    conv1 = ct2.get("encoder/conv1/weight")
    embeddings = ct2.get("decoder/embeddings/weight")
    return {
        "model_type": "whisper",
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(ct2.get("encoder/position_encodings/encodings").shape[0]),
        "n_audio_state": int(conv1.shape[0]),
        "n_audio_head": ct2.scalar("encoder/num_heads"),
        "n_audio_layer": layers("encoder"),
        "n_vocab": int(embeddings.shape[0]),
        "n_text_ctx": int(ct2.get("decoder/position_encodings/encodings").shape[0]),
        "n_text_state": int(embeddings.shape[1]),
        "n_text_head": ct2.scalar("decoder/num_heads"),
        "n_text_layer": layers("decoder"),
    }
