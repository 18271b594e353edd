"""Streaming decode: every common container/codec, exact windows, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import encode, tone, write_wav  # noqa: E402
from longscribe import AudioDecodeError, InputError, NoAudioStreamError
from longscribe.audio import AudioStream, SpanReader
from longscribe.types import SAMPLE_RATE, Span

FORMATS = [
    ("a.wav", "pcm_s16le", 44100, False),
    ("a.flac", "flac", 22050, False),
    ("a.mp3", "mp3", 16000, False),
    ("a.m4a", "aac", 48000, False),
    ("a.ogg", "libopus", 48000, False),
    ("a.webm", "libopus", 48000, False),
    ("v.mp4", "aac", 44100, True),
    ("v.mkv", "mp3", 44100, True),
]


def decode_all(path: Path) -> np.ndarray:
    with AudioStream(path) as stream:
        return np.concatenate(list(stream.windows(SAMPLE_RATE * 7)))


@pytest.mark.parametrize(("name", "codec", "rate", "video"), FORMATS)
def test_common_formats_decode_to_16k_mono(tmp_path: Path, name: str, codec: str, rate: int, video: bool) -> None:
    path = encode(tmp_path / name, tone(3.0, freq=300, rate=rate), codec, rate=rate, video=video)
    audio = decode_all(path)
    assert audio.dtype == np.float32
    assert abs(audio.shape[0] - 3 * SAMPLE_RATE) < 0.1 * SAMPLE_RATE
    spectrum = np.abs(np.fft.rfft(audio[SAMPLE_RATE // 2 : SAMPLE_RATE // 2 + SAMPLE_RATE]))
    assert abs(int(np.argmax(spectrum)) - 300) <= 2, "the 300 Hz tone survives resampling"


def test_windows_are_exact_and_lose_no_sample(tmp_path: Path) -> None:
    source = np.random.default_rng(0).uniform(-0.5, 0.5, 10 * SAMPLE_RATE + 123).astype(np.float32)
    path = write_wav(tmp_path / "r.wav", source)
    with AudioStream(path) as stream:
        windows = list(stream.windows(SAMPLE_RATE))
    assert [w.shape[0] for w in windows] == [SAMPLE_RATE] * 10 + [123]
    assert np.allclose(np.concatenate(windows), source, atol=2 / 32767)


def test_span_reader_returns_exactly_the_spans(tmp_path: Path) -> None:
    source = np.random.default_rng(1).uniform(-0.5, 0.5, 40 * SAMPLE_RATE).astype(np.float32)
    path = write_wav(tmp_path / "r.wav", source)
    whole = decode_all(path)
    reader = SpanReader(AudioStream(path))
    spans = [Span(100, 5000), Span(5000, 5100), Span(20 * SAMPLE_RATE, 31 * SAMPLE_RATE)]
    assert np.array_equal(reader.read(spans[:2]), whole[100:5100])
    assert np.array_equal(reader.read(spans[2:]), whole[20 * SAMPLE_RATE : 31 * SAMPLE_RATE])
    past_end = reader.read([Span(39 * SAMPLE_RATE, 41 * SAMPLE_RATE)])
    assert past_end.shape[0] == 2 * SAMPLE_RATE and not past_end[SAMPLE_RATE:].any()


def test_missing_directory_and_empty_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        AudioStream(tmp_path / "nope.mp3")
    with pytest.raises(InputError, match="is a directory"):
        AudioStream(tmp_path)
    (tmp_path / "empty.mp3").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty.mp3: file is empty"):
        AudioStream(tmp_path / "empty.mp3")


def test_text_renamed_to_mp3_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_text("These are my meeting notes, not a recording.\n" * 20)
    with pytest.raises(AudioDecodeError, match="notes.mp3"):
        decode_all(path)


def test_video_without_audio_track(tmp_path: Path) -> None:
    path = encode(tmp_path / "silent.mp4", np.zeros(0, dtype=np.float32), "", video=True)
    with pytest.raises(NoAudioStreamError, match="no audio track"):
        AudioStream(path)


def test_truncated_mp3_decodes_what_is_there_and_says_where_it_stopped(tmp_path: Path, data_dir: Path) -> None:
    data = (data_dir / "longform_en_asterisk.mp3").read_bytes()
    path = tmp_path / "cut.mp3"
    path.write_bytes(data[: len(data) // 10])  # ~3 of 31 minutes
    with AudioStream(path) as stream:
        total = sum(w.shape[0] for w in stream.windows(30 * SAMPLE_RATE))
        assert 150 * SAMPLE_RATE < total < 200 * SAMPLE_RATE
        assert stream.warnings and "decoding stopped at 3:" in stream.warnings[0]
        assert "of 31:0" in stream.warnings[0]


def test_tags_that_are_not_utf8_do_not_stop_the_decode(tmp_path: Path) -> None:
    """PyAV before 19 refuses such a file unless told to ignore its tags; 19 lost the keyword."""
    import struct

    pcm = (tone(1.0) * 32767).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, 2 * SAMPLE_RATE, 2, 16)
    title = b"INAM" + struct.pack("<I", 6) + b"caf\xe9\x00\x00"  # Latin-1, not UTF-8
    tags = b"LIST" + struct.pack("<I", 4 + len(title)) + b"INFO" + title
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + tags + b"data" + struct.pack("<I", len(pcm)) + pcm
    path = tmp_path / "latin1-title.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with AudioStream(path) as stream:
        audio = np.concatenate(list(stream.windows(SAMPLE_RATE)))
    assert audio.shape[0] == SAMPLE_RATE
