"""CTranslate2 Whisper -> MLX layout: every tensor accounted for, fused projections split back."""

from __future__ import annotations

from collections import Counter
from copy import deepcopy

import numpy as np
import pytest

from longscribe.engines.mlx.convert import convert
from longscribe.errors import ModelFormatError
from longscribe.models import resolve_model
from longscribe.models.ct2_file import Ct2Model, read_ct2_model

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def tiny() -> Ct2Model:
    return read_ct2_model(f"{resolve_model('tiny.en').path}/model.bin")


def test_every_ct2_tensor_maps_to_mlx_tensors_used_exactly_once(tiny: Ct2Model) -> None:
    out = convert(tiny)
    assert set(out.sources) == set(tiny.variables) | set(tiny.aliases)
    targets = Counter(t for dests in out.sources.values() for t in dests if ":" not in t)
    assert set(targets) == set(out.weights) and set(targets.values()) == {1}
    for name, value in tiny.variables.items():
        if value.ndim:
            mapped = [t for t in out.sources[name] if ":" not in t]
            dropped = sum(t.startswith("dropped-zero-key-bias:") for t in out.sources[name]) * 384  # n_state
            assert mapped and sum(out.weights[t].size for t in mapped) == value.size - dropped, name
    assert out.config == {
        "model_type": "whisper",
        "n_mels": 80,
        "n_audio_ctx": 1500,
        "n_audio_state": 384,
        "n_audio_head": 6,
        "n_audio_layer": 4,
        "n_vocab": 51864,
        "n_text_ctx": 448,
        "n_text_state": 384,
        "n_text_head": 6,
        "n_text_layer": 4,
    }


def test_shapes_match_the_mlx_model(tiny: Ct2Model) -> None:
    from longscribe.engines.mlx import runtime

    if not runtime.available():
        pytest.skip("MLX not installed (pip install 'longscribe[apple]')")
    runtime.import_mlx()
    from mlx.utils import tree_flatten

    from longscribe.engines.mlx.network import Dims, Whisper

    out = convert(tiny)
    params = dict(tree_flatten(Whisper(Dims.from_config(out.config)).parameters()))
    assert set(params) == set(out.weights)
    assert {k: tuple(v.shape) for k, v in params.items()} == {k: v.shape for k, v in out.weights.items()}


def test_fused_projections_are_split_back_in_order(tiny: Ct2Model) -> None:
    out = convert(tiny)
    fused = tiny.get("decoder/layer_1/self_attention/linear_0/weight")
    parts = [out.weights[f"decoder.blocks.1.attn.{p}.weight"] for p in ("query", "key", "value")]
    assert np.array_equal(np.concatenate(parts), fused)
    kv = tiny.get("decoder/layer_2/attention/linear_1/bias")
    assert np.array_equal(out.weights["decoder.blocks.2.cross_attn.value.bias"], kv[384:])
    assert "decoder.blocks.2.cross_attn.key.bias" not in out.weights
    conv = tiny.get("encoder/conv2/weight")
    assert np.array_equal(out.weights["encoder.conv2.weight"], conv.transpose(0, 2, 1))


def test_int8_weights_are_dequantized_with_their_row_scales(tiny: Ct2Model) -> None:
    model = deepcopy(tiny)
    name = "encoder/layer_0/ffn/linear_0/weight"
    weight = tiny.get(name).astype(np.float32)
    scale = 127.0 / np.abs(weight).max(axis=1)
    model.variables[name] = np.round(weight * scale[:, None]).astype(np.int8)
    model.variables[name + "_scale"] = scale.astype(np.float32)
    got = convert(model).weights["encoder.blocks.0.mlp1.weight"].astype(np.float32)
    assert np.abs(got - weight).max() <= (0.5 / scale).max() + 1e-3


def test_unexpected_models_are_refused(tiny: Ct2Model) -> None:
    bad = deepcopy(tiny)
    bias = bad.variables["encoder/layer_0/self_attention/linear_0/bias"].copy()
    bias[400] = 1.0  # inside the key part
    bad.variables["encoder/layer_0/self_attention/linear_0/bias"] = bias
    with pytest.raises(ModelFormatError, match="key projection has no bias"):
        convert(bad)
    with pytest.raises(ModelFormatError, match="not Whisper"):
        convert(Ct2Model("TransformerSpec", 1))
    odd = deepcopy(tiny)
    odd.variables["decoder/pre_norm"] = np.array(0, dtype=np.int8)
    with pytest.raises(ModelFormatError, match="not a standard Whisper"):
        convert(odd)
