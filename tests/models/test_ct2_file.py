"""CTranslate2's model.bin read back: header, dtypes, aliases, and clear errors on bad files."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from longscribe.errors import ModelFormatError
from longscribe.models.ct2_file import read_ct2_model

TYPE_IDS = {np.dtype(np.float32): 0, np.dtype(np.int8): 1, np.dtype(np.int16): 2, np.dtype(np.int32): 3}
TYPE_IDS[np.dtype(np.float16)] = 4


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_ct2(
    path: Path,
    variables: dict[str, np.ndarray],
    aliases: dict[str, str] | None = None,
    *,
    version: int = 6,
    spec: str = "WhisperSpec",
    bfloat16: tuple[str, ...] = (),
) -> Path:
    """The layout ctranslate2.specs.ModelSpec._serialize writes."""
    out = struct.pack("<I", version) + _string(spec) + struct.pack("<I", 3) + struct.pack("<I", len(variables))
    for name, value in variables.items():
        out += _string(name) + struct.pack("<B", value.ndim) + b"".join(struct.pack("<I", d) for d in value.shape)
        if name in bfloat16:
            data = (value.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).tobytes()
            out += struct.pack("<B", 5)
        else:
            data = value.tobytes()
            out += struct.pack("<B", TYPE_IDS[value.dtype])
        out += struct.pack("<I", len(data)) + data
    aliases = aliases or {}
    out += struct.pack("<I", len(aliases))
    for alias, target in aliases.items():
        out += _string(alias) + _string(target)
    path.write_bytes(out)
    return path


def test_variables_dtypes_scalars_and_aliases_read_back(tmp_path: Path) -> None:
    weight = np.arange(12, dtype=np.float16).reshape(3, 4)
    variables = {
        "decoder/embeddings/weight": weight,
        "encoder/num_heads": np.array(8, dtype=np.int16),
        "q/weight": np.array([[1, -2], [3, 4]], dtype=np.int8),
        "q/weight_scale": np.array([2.0, 4.0], dtype=np.float32),
        "b": np.array([1.5, -2.25], dtype=np.float32),
    }
    path = write_ct2(
        tmp_path / "model.bin",
        variables,
        {"decoder/projection/weight": "decoder/embeddings/weight"},
        bfloat16=("b",),
    )
    model = read_ct2_model(path)
    assert (model.spec, model.revision) == ("WhisperSpec", 3)
    assert model.scalar("encoder/num_heads") == 8
    assert np.array_equal(model.get("decoder/projection/weight"), weight)
    assert model.get("q/weight").dtype == np.int8 and model.get("q/weight").tolist() == [[1, -2], [3, 4]]
    assert model.get("b").tolist() == [1.5, -2.25]  # exact in bfloat16


@pytest.mark.parametrize("keep", [3, 40, -1])
def test_a_truncated_file_is_named_with_the_problem(tmp_path: Path, keep: int) -> None:
    good = write_ct2(tmp_path / "full.bin", {"x/weight": np.ones((4, 4), dtype=np.float16)})
    bad = tmp_path / "model.bin"
    bad.write_bytes(good.read_bytes()[:keep])
    with pytest.raises(ModelFormatError, match=r"model\.bin: truncated"):
        read_ct2_model(bad)


def test_not_a_model_file(tmp_path: Path) -> None:
    text = tmp_path / "model.bin"
    text.write_text("this is not a model, just text " * 10)
    with pytest.raises(ModelFormatError, match="unsupported CTranslate2 binary version"):
        read_ct2_model(text)
    with pytest.raises(ModelFormatError, match="cannot read"):
        read_ct2_model(tmp_path / "absent.bin")
