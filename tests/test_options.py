"""TranscribeOptions: every invalid value is refused at construction, naming its field."""

from __future__ import annotations

import math
import re
from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longscribe import OptionsError, TranscribeOptions, Transcriber, VadOptions
from longscribe.options import MAX_BATCH, MAX_BEAM, MAX_THREADS, MAX_WORKERS, LiveOptions


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"device": "gpu"}, "device"),
        ({"compute_type": "int4"}, "compute_type"),
        ({"task": "summarise"}, "task"),
        ({"language": "english"}, "language"),
        ({"beam_size": 0}, "beam_size"),
        ({"batch_size": 0}, "batch_size"),
        ({"best_of": -1}, "best_of"),
        ({"workers": 0}, "workers"),
        ({"cpu_threads": -2}, "cpu_threads"),
        ({"deadline_seconds": 0.0}, "deadline_seconds"),
        ({"temperatures": ()}, "temperatures"),
        ({"temperatures": (0.4, 0.2)}, "temperatures"),
        ({"temperatures": (0.0, float("nan"))}, "temperatures"),
        ({"chunk_seconds": 45.0}, "chunk_seconds"),
        ({"timestamps": "tokens"}, "timestamps"),
        ({"vad": False, "overlap_seconds": 0.0}, "overlap_seconds"),
        ({"overlap_seconds": 12.0}, "overlap_seconds"),
        ({"model": ""}, "model"),
        ({"patience": 0.0}, "patience"),
        ({"no_speech_threshold": 1.5}, "no_speech_threshold"),
        ({"beam_size": 5.0}, "beam_size"),
        ({"vad": "yes"}, "vad"),
        ({"ray": " "}, "ray"),
        ({"ray_audio": "bytes"}, "ray_audio"),
    ],
)
def test_invalid_options_are_refused_once_at_construction_naming_the_field(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(OptionsError) as raised:
        TranscribeOptions(**change)  # type: ignore[arg-type]
    assert raised.value.field == field and field in str(raised.value)


@pytest.mark.parametrize("change", [{"threshold": 1.5}, {"threshold": 0.0}, {"min_silence_ms": -1}])
def test_invalid_vad_settings_are_refused(change: dict[str, object]) -> None:
    name = next(iter(change))
    with pytest.raises(OptionsError, match=name):
        VadOptions(**change)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"threshold": 1.0},
        {"silence_duration_ms": 50},
        {"step_seconds": 0.0},
        {"partial_beam_size": 0},
        {"window_seconds": 30.0},
        {"max_lag_seconds": float("nan")},
        {"prefix_padding_ms": "300"},
    ],
)
def test_invalid_live_settings_are_refused_naming_the_field(change: dict[str, object]) -> None:
    name = next(iter(change))
    with pytest.raises(OptionsError, match=name) as raised:
        LiveOptions(**change)  # type: ignore[arg-type]
    assert raised.value.field == name


# Each numeric field: (whole number?, lowest valid, is the lowest itself invalid?, highest valid; None: unbounded).
NUMBERS: dict[str, tuple[bool, float | None, bool, float | None]] = {
    "deadline_seconds": (False, 0.0, True, None),
    "cpu_threads": (True, 0, False, MAX_THREADS),
    "workers": (True, 1, False, MAX_WORKERS),
    "beam_size": (True, 1, False, MAX_BEAM),
    "best_of": (True, 1, False, MAX_BEAM),
    "batch_size": (True, 1, False, MAX_BATCH),
    "seed": (True, 0, False, 2**31 - 1),
    "patience": (False, 0.0, True, 100.0),
    "length_penalty": (False, 0.0, False, 100.0),
    "compression_ratio_threshold": (False, 0.0, True, None),
    "log_prob_threshold": (False, None, False, 0.0),
    "no_speech_threshold": (False, 0.0, False, 1.0),
    "chunk_seconds": (False, 1.0, False, 30.0),
    "overlap_seconds": (False, 1.0, False, 10.0),
}
CHOICES = ("quality", "task", "timestamps", "ray_audio", "compute_type", "device", "language")
FLAGS = ("condition_on_previous_text", "word_timestamps", "vad", "speech_guard", "use_tuning")


def bad_number(whole: bool, low: float | None, low_open: bool, high: float | None) -> st.SearchStrategy[Any]:
    out: list[st.SearchStrategy[Any]] = [st.sampled_from([math.nan, math.inf, -math.inf, "3", True, [1]])]
    if low is not None:
        out.append(st.floats(max_value=low, exclude_max=not low_open, allow_infinity=False))
        if whole:
            out.append(st.integers(max_value=int(low) - 1))
    if high is not None:
        out.append(st.floats(min_value=high, exclude_min=True, allow_infinity=False))
        if whole:
            out.append(st.integers(min_value=int(high) + 1))
    if whole:
        out.append(st.floats())  # a float is not a count, even 3.0
    return st.one_of(out)


def bad_value(field: str) -> st.SearchStrategy[Any]:
    if field in NUMBERS:
        return bad_number(*NUMBERS[field])
    if field in FLAGS:
        return st.one_of(st.integers(), st.text(), st.none())
    if field == "device":
        return st.one_of(st.text().filter(lambda s: not re.fullmatch(DEVICE, s)), st.integers())
    if field in CHOICES:
        return st.one_of(st.text().filter(lambda s: s not in VALID_TEXT[field]), st.integers(), st.floats())
    if field == "temperatures":
        return st.one_of(
            st.just(()),
            st.lists(st.floats(min_value=2.01, max_value=1e9), min_size=1).map(tuple),
            st.lists(st.floats(max_value=-0.01), min_size=1).map(tuple),
            st.just((0.5, 0.2)),
            st.text(),
        )
    if field in ("model",):
        return st.one_of(st.just(""), st.just("  "), st.integers(), st.none())
    if field in ("ray", "cache_dir"):
        return st.one_of(st.just(""), st.just(" "), st.integers())
    if field == "vocabulary":
        return st.one_of(
            st.sampled_from([("",), (" Zeiner",), ("a<b",), ("line\nbreak",), ("Jenson", "Jenson"), ("x" * 101,)]),
            st.just(tuple(f"term{i}" for i in range(201))),
            st.text(),
            st.lists(st.text(min_size=1)),
            st.integers(),
        )
    if field == "initial_prompt":
        return st.one_of(st.integers(), st.floats())
    if field in ("vad_options", "diarize_options"):
        return st.one_of(st.none(), st.integers(), st.text())
    if field == "diarize":
        return st.one_of(st.text().filter(lambda t: t not in ("speakers", "channels")), st.integers())
    raise AssertionError(f"no bad values for {field}: add them here")


DEVICE = r"(auto|cpu|metal|mlx-cpu|cuda(:\d+)?)"
VALID_TEXT = {
    "quality": {"fast", "balanced", "best"},
    "task": {"transcribe", "translate"},
    "timestamps": {"aligned", "decoded"},
    "ray_audio": {"auto", "arrays"},
    "compute_type": {"auto", "default", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16"}
    | {"float16", "bfloat16", "float32"},
    "language": set(),
}


@st.composite
def one_bad_field(draw: st.DrawFn) -> tuple[str, Any]:
    field = draw(st.sampled_from([f.name for f in fields(TranscribeOptions)]))
    value = draw(bad_value(field))
    if (
        field == "language"
        and isinstance(value, str)
        and (value in ("auto", "first") or 2 <= len(value) <= 3 and value.isalpha())
    ):
        value = value + "!"
    return field, value


@settings(max_examples=300, deadline=None)
@given(one_bad_field())
def test_any_bad_value_of_any_field_is_an_options_error_naming_it(case: tuple[str, Any]) -> None:
    field, value = case
    with pytest.raises(OptionsError) as raised:
        TranscribeOptions(**{field: value})
    assert raised.value.field == field, (field, value, str(raised.value))
    assert "\n" not in str(raised.value)


def test_every_field_has_bad_values_in_the_property_test() -> None:
    for f in fields(TranscribeOptions):
        bad_value(f.name)


def test_variants_made_with_replace_are_validated_again() -> None:
    with pytest.raises(OptionsError):
        replace(TranscribeOptions(), beam_size=-1)


def test_options_are_frozen() -> None:
    opts = TranscribeOptions()
    with pytest.raises(AttributeError):
        opts.beam_size = 2  # type: ignore[misc]


def test_transcriber_refuses_unknown_option_names() -> None:
    with pytest.raises(OptionsError, match="beamsize"):
        Transcriber(beamsize=3)


def test_an_unset_beam_size_decodes_with_five_and_a_given_one_is_kept() -> None:
    assert TranscribeOptions().beam_size is None and TranscribeOptions().beam == 5
    assert TranscribeOptions(beam_size=5).beam_size == 5 and TranscribeOptions(beam_size=2).beam == 2


def test_word_timings_are_needed_for_aligned_segments_and_to_stitch_fixed_windows() -> None:
    assert TranscribeOptions().needs_alignment
    assert TranscribeOptions(vad=False).needs_alignment
    assert not TranscribeOptions(timestamps="decoded").needs_alignment
    assert TranscribeOptions(timestamps="decoded", word_timestamps=True).needs_alignment


def test_chunk_limit_follows_the_timestamp_mode_unless_given() -> None:
    assert TranscribeOptions().aligned and TranscribeOptions().chunk_limit == 30.0
    assert TranscribeOptions(timestamps="decoded").chunk_limit == 24.0
    assert TranscribeOptions(chunk_seconds=20.0).chunk_limit == 20.0
    fixed = TranscribeOptions(vad=False)
    assert not fixed.aligned, "fixed windows stitch on decoded timestamps"


def test_diarize_true_and_false_read_as_the_flag_does() -> None:
    assert TranscribeOptions(diarize=True).diarize == "speakers"  # type: ignore[arg-type]
    assert TranscribeOptions(diarize=False).diarize is None  # type: ignore[arg-type]
    assert TranscribeOptions(diarize="channels").diarize == "channels"


def test_every_option_says_whether_it_changes_the_words() -> None:
    """A new field without a kind would be silently left out of the job key (or let a variant of a
    loaded model change it): it fails here instead."""
    from dataclasses import fields

    from longscribe.jobs.fingerprint import TEXT_OPTIONS
    from longscribe.options import KINDS, PLACEMENT, SPEAKERS, TEXT, fields_of
    from longscribe.pipeline.transcriber import Transcriber

    unkinded = [f.name for f in fields(TranscribeOptions) if f.metadata.get("kind") not in KINDS]
    assert unkinded == []
    assert TEXT_OPTIONS == fields_of(TEXT) and "beam_size" in TEXT_OPTIONS and "workers" not in TEXT_OPTIONS
    assert Transcriber.PLACEMENT_FIELDS == set(fields_of(PLACEMENT)) and "model" in Transcriber.PLACEMENT_FIELDS
    assert set(fields_of(SPEAKERS)) == {"diarize", "diarize_options"}


def test_one_temperature_ladder_for_the_command_and_the_server() -> None:
    from longscribe.options import temperature_ladder

    assert temperature_ladder() == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0) == TranscribeOptions().temperatures
    assert temperature_ladder(0.0, 0.3) == (0.0, 0.3, 0.6, 0.9)  # --temperature-increment-on-fallback 0.3
    assert temperature_ladder(0.0, 0.0) == (0.0,)
    assert temperature_ladder(0.5) == (0.5, 0.7, 0.9)  # the API's temperature=0.5
    assert temperature_ladder(0.1) == (0.1, 0.3, 0.5, 0.7, 0.9)
    assert temperature_ladder(1.0) == (1.0,)


def test_speaker_settings_need_diarize_and_are_checked_once_for_every_front_end() -> None:
    from longscribe.cli.common import flag
    from longscribe.options import speaker_fields

    assert speaker_fields(None) == {}
    with pytest.raises(OptionsError, match="^num_speakers needs diarize$"):
        speaker_fields(None, num_speakers=2)
    with pytest.raises(OptionsError, match="^--speaker-names needs --diarize$"):
        speaker_fields(None, speaker_names=("Ana",), spelled=flag)
    with pytest.raises(OptionsError, match="is for --diarize speakers"):
        speaker_fields("channels", models="/m", spelled=flag)
    with pytest.raises(OptionsError, match="max_speakers"):
        speaker_fields("speakers", min_speakers=3, max_speakers=2)
    fields = speaker_fields("speakers", max_speakers=4, speaker_names=("Ana",))
    assert fields["diarize"] == "speakers"
    assert (fields["diarize_options"].min_speakers, fields["diarize_options"].max_speakers) == (1, 4)
    assert fields["diarize_options"].speaker_names == ("Ana",)
