"""What identifies an input file and the options that change a transcript's text."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from longscribe.options import TEXT, TranscribeOptions, fields_of

BLOCK = 64 * 1024
SAMPLES = 16


def sampled_hash(path: str | Path) -> str:
    """sha256 of the first and last blocks and of evenly spaced blocks between: fast on multi-GB files."""
    size = os.path.getsize(path)
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        if size <= BLOCK * (SAMPLES + 2):
            h.update(f.read())
        else:
            for i in range(SAMPLES + 2):
                f.seek((size - BLOCK) * i // (SAMPLES + 1))
                h.update(f.read(BLOCK))
    return h.hexdigest()


def input_fingerprint(path: str | Path, expected_samples: int | None) -> dict[str, Any]:
    st = os.stat(path)
    return {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "sampled_sha256": sampled_hash(path),
        "duration_samples": expected_samples,
    }


TEXT_OPTIONS = fields_of(TEXT)
"""Options that can change the text (their kind says so); batch size, threads and the like cannot."""
ADDED_LATER: dict[str, Any] = {"vocabulary": ()}
"""Text options added after keys were first written, and their defaults: left out of the key at
their default, so a job started before they existed keeps its key (and resumes)."""


def options_identity(
    options: TranscribeOptions, *, model_path: str, engine: str, device: str, compute_type: str
) -> dict[str, Any]:
    all_options = options.as_dict()
    model_bin = Path(model_path) / "model.bin"
    model = {"path": model_path}
    if model_bin.is_file():
        model = {"name": Path(model_path).name, "sha256": sampled_hash(model_bin)}
    return {
        "model": model,
        "engine": engine,
        "device": device,
        "compute_type": compute_type,
        **{k: all_options[k] for k in TEXT_OPTIONS if k not in ADDED_LATER or all_options[k] != ADDED_LATER[k]},
    }


def key_of(fingerprint: dict[str, Any], identity: dict[str, Any]) -> str:
    blob = json.dumps({"input": fingerprint, "options": identity}, sort_keys=True, default=list)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]
