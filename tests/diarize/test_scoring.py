"""The diarization error rate the speaker tests are judged by, and RTTM files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from longscribe.benchmarks.recordings import write_rttm
from longscribe.diarize.fbank import fbank, num_frames
from longscribe.metrics import diarization_error_rate, read_rttm

REFERENCE = [(0.0, 10.0, "ana"), (10.0, 20.0, "ben"), (20.0, 30.0, "ana")]


def test_the_same_turns_under_other_names_score_zero() -> None:
    hypothesis = [(a, b, {"ana": "1", "ben": "0"}[who]) for a, b, who in REFERENCE]
    errors = diarization_error_rate(REFERENCE, hypothesis, collar=0.0)
    assert errors.der == 0.0 and errors.speakers == 2


def test_missed_false_alarm_and_confusion_are_fractions_of_the_reference() -> None:
    missed = diarization_error_rate(REFERENCE, [(0.0, 10.0, "x"), (20.0, 30.0, "x")], collar=0.0)
    assert missed.missed == pytest.approx(1 / 3, abs=0.01) and missed.confusion == 0.0
    extra = diarization_error_rate(REFERENCE, [*REFERENCE, (5.0, 8.0, "ben")], collar=0.0)
    assert extra.false_alarm == pytest.approx(0.1, abs=0.01)
    one = diarization_error_rate(REFERENCE, [(0.0, 30.0, "x")], collar=0.0)
    assert one.confusion == pytest.approx(1 / 3, abs=0.01) and one.der == pytest.approx(1 / 3, abs=0.01)


def test_the_collar_leaves_boundaries_unscored() -> None:
    late = [(0.2, 10.2, "a"), (10.2, 20.0, "b"), (20.0, 30.0, "a")]
    assert diarization_error_rate(REFERENCE, late, collar=0.0).der > 0.01
    assert diarization_error_rate(REFERENCE, late, collar=0.25).der == 0.0


def test_rttm_round_trip(tmp_path: Path) -> None:
    path = write_rttm(REFERENCE, tmp_path / "ref.rttm")
    assert read_rttm(path.read_text()) == REFERENCE


def test_filterbank_frames_are_kaldis() -> None:
    rng = np.random.default_rng(0)
    features = fbank(rng.standard_normal(16000).astype(np.float32))
    assert features.shape == (num_frames(16000), 80) == (98, 80)
    assert np.abs(features.mean(axis=0)).max() < 1e-4, "mean-normalised"
    assert fbank(np.zeros(100, dtype=np.float32)).shape == (1, 80), "shorter than a frame: one padded frame"
    t = np.arange(8000) / 16000
    tones = np.concatenate([np.sin(2 * np.pi * 1000 * t), np.sin(2 * np.pi * 3000 * t)]).astype(np.float32)
    features = fbank(tones)
    # mel bin centres (Kaldi's scale, 20 Hz..8 kHz): bin 27 is at ~1 kHz, bin 52 at ~3 kHz
    assert int(np.argmax(features[:40].mean(axis=0))) == 27
    assert int(np.argmax(features[-40:].mean(axis=0))) == 52
