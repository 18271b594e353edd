"""sherpa-onnx's offline diarization on longscribe's own two models: the anchor bench/diarization.py
compares with. Run with an interpreter that has ``sherpa-onnx``, ``onnx`` and ``soundfile`` (kept out
of longscribe's environment):

    python3 -m venv /tmp/sherpa && /tmp/sherpa/bin/pip install sherpa-onnx==1.13.8 onnx soundfile
    /tmp/sherpa/bin/python bench/diarization_anchor.py FILE.wav --clusters N|-1 --threshold T

Writes the turns as JSON ``[[start_s, end_s, speaker], ...]`` to stdout. The models are copied
once into a cache folder with the metadata sherpa-onnx reads (the numbers pyannote's
segmentation-3.0 and 3D-Speaker's CAM++ are defined by); nothing else about them changes.
sherpa-onnx's pipeline: every 10-s window segmented, each local speaker embedded whole, fast
clustering with a distance threshold (or the count given), turns shorter than 0.3 s dropped and
pauses under 0.5 s filled (its examples' settings).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

MODELS = Path(__file__).resolve().parents[1] / "src" / "longscribe" / "diarize" / "models"
SEGMENTATION = {"model_type": "pyannote-segmentation-3.0", "version": "1", "num_speakers": "3",
                "powerset_max_classes": "2", "num_classes": "7", "sample_rate": "16000", "window_size": "160000",
                "receptive_field_size": "991", "receptive_field_shift": "270"}  # fmt: skip
EMBEDDING = {"framework": "3d-speaker", "language": "Chinese-English", "url": "", "comment": "", "sample_rate": "16000",
             "output_dim": "192", "normalize_samples": "1", "feature_normalize_type": "global-mean"}  # fmt: skip


def with_metadata(name: str, metadata: dict[str, str], folder: Path) -> Path:
    import onnx

    target = folder / name
    if not target.exists():
        model = onnx.load(str(MODELS / name))
        del model.metadata_props[:]
        for key, value in metadata.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(model, str(target))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wav", type=Path, help="16 kHz audio (mono, or averaged to mono)")
    parser.add_argument("--clusters", type=int, default=-1, help="the speaker count; -1: the threshold decides")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "longscribe-sherpa-models")
    args = parser.parse_args()

    import sherpa_onnx
    import soundfile

    args.cache.mkdir(parents=True, exist_ok=True)
    config = sherpa_onnx.OfflineSpeakerDiarizationConfig(
        segmentation=sherpa_onnx.OfflineSpeakerSegmentationModelConfig(
            pyannote=sherpa_onnx.OfflineSpeakerSegmentationPyannoteModelConfig(
                model=str(with_metadata("segmentation-3.0.onnx", SEGMENTATION, args.cache))
            ),
            num_threads=1,
        ),
        embedding=sherpa_onnx.SpeakerEmbeddingExtractorConfig(
            model=str(with_metadata("campplus-cn-en-common.onnx", EMBEDDING, args.cache)), num_threads=1
        ),
        clustering=sherpa_onnx.FastClusteringConfig(num_clusters=args.clusters, threshold=args.threshold),
        min_duration_on=0.3,
        min_duration_off=0.5,
    )
    if not config.validate():
        raise SystemExit("sherpa-onnx refused the configuration")
    audio, rate = soundfile.read(str(args.wav), dtype="float32", always_2d=True)
    if rate != 16000:
        raise SystemExit(f"{args.wav}: {rate} Hz, not 16 kHz")
    result = sherpa_onnx.OfflineSpeakerDiarization(config).process(audio.mean(axis=1)).sort_by_start_time()
    print(json.dumps([[r.start, r.end, r.speaker] for r in result]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
