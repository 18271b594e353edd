from __future__ import annotations

from longscribe.text.tokens import split_by_timestamps

TS = 1000  # timestamp_begin
EOT = 999


def ts(seconds: float) -> int:
    return TS + int(round(seconds / 0.02))


def test_timestamp_pairs_delimit_segments_in_samples() -> None:
    tokens = [ts(0.0), 1, 2, ts(2.4), ts(2.4), 3, ts(5.0), EOT]
    segs = split_by_timestamps(tokens, timestamp_begin=TS, eot=EOT, num_samples=16000 * 10)
    assert [(s.start, s.end, s.tokens) for s in segs] == [(0, 38400, (1, 2)), (38400, 80000, (3,))]


def test_text_without_closing_timestamp_runs_to_the_chunk_end() -> None:
    segs = split_by_timestamps([ts(1.0), 5, 6], timestamp_begin=TS, eot=EOT, num_samples=48000)
    assert [(s.start, s.end) for s in segs] == [(16000, 48000)]


def test_timestamps_past_the_chunk_are_clamped() -> None:
    segs = split_by_timestamps([ts(0.0), 5, ts(29.0)], timestamp_begin=TS, eot=EOT, num_samples=16000)
    assert segs[0].end == 16000


def test_no_text_no_segments() -> None:
    assert split_by_timestamps([ts(0.0), ts(1.0), EOT], timestamp_begin=TS, eot=EOT, num_samples=16000) == []
