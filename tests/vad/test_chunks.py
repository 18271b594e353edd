"""VAD regions -> chunks: nothing dropped, nothing doubled, limits kept, positions exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from longscribe.options import VadOptions
from longscribe.types import SAMPLE_RATE, Chunk, Span
from longscribe.vad.chunks import Packer, Padder, fixed_windows
from longscribe.vad.regions import RegionTracker
from longscribe.vad.silero import FRAME

LIMIT = 24 * SAMPLE_RATE
PAD = 400 * SAMPLE_RATE // 1000


@st.composite
def regions(draw: st.DrawFn) -> list[Span]:
    """Increasing, non-overlapping speech regions, each at most LIMIT - 2 * PAD long."""
    out, pos = [], draw(st.integers(0, 5 * SAMPLE_RATE))
    for _ in range(draw(st.integers(0, 40))):
        length = draw(st.integers(FRAME, LIMIT - 2 * PAD))
        out.append(Span(pos, pos + length))
        pos += length + draw(st.integers(0, 10 * SAMPLE_RATE))
    return out


def _chunks(spans: list[Span], total: int) -> list[Chunk]:
    padder, packer = Padder(PAD), Packer(LIMIT)
    chunks = []
    for region in spans:
        for span in padder.push(region):
            chunks.extend(packer.push(span))
    for span in padder.finish(total):
        chunks.extend(packer.push(span))
    chunks.extend(packer.finish())
    return chunks


@given(regions())
@settings(max_examples=200, deadline=None)
def test_every_speech_region_lands_in_exactly_one_chunk(spans: list[Span]) -> None:
    total = (spans[-1].end + 3 * SAMPLE_RATE) if spans else SAMPLE_RATE
    chunks = _chunks(spans, total)
    for region in spans:
        holders = [c for c in chunks if any(s.start <= region.start and region.end <= s.end for s in c.spans)]
        assert len(holders) == 1, (region, holders)
    laid = [s for c in chunks for s in c.spans]
    assert all(a.end <= b.start for a, b in zip(laid, laid[1:])), "chunks overlap or go back in time"
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(c.num_samples <= LIMIT for c in chunks)
    assert all(0 <= s.start and s.end <= total for s in laid)


def test_padding_meets_halfway_between_close_regions() -> None:
    padder = Padder(PAD)
    out = list(padder.push(Span(10_000, 20_000))) + list(padder.push(Span(20_000 + PAD, 40_000)))
    out += list(padder.finish(100_000))
    assert out == [Span(10_000 - PAD, 20_000 + PAD // 2), Span(20_000 + PAD // 2, 40_000 + PAD)]


def test_packer_joins_touching_spans_into_one() -> None:
    packer = Packer(LIMIT)
    chunks = list(packer.push(Span(0, 100))) + list(packer.push(Span(100, 300))) + list(packer.finish())
    assert [c.spans for c in chunks] == [(Span(0, 300),)]


@given(st.integers(1, 3 * 3600 * SAMPLE_RATE), st.sampled_from([1.0, 6.0, 10.0]))
@settings(max_examples=200, deadline=None)
def test_fixed_windows_cover_the_file_with_overlaps(total: int, overlap_s: float) -> None:
    window, overlap = 30 * SAMPLE_RATE, int(overlap_s * SAMPLE_RATE)
    chunks = list(fixed_windows(total, window, overlap))
    assert chunks[0].start == 0 and chunks[-1].end == total and chunks[-1].keep.end == total
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.keep.end < a.end, "the next window starts inside this one's authority"
        assert b.start - a.start == window - overlap
    for c in chunks:
        assert c.num_samples <= window and c.keep.start == c.start


def _track(probs: list[float], **kw: int) -> list[Span]:
    opts = VadOptions(**kw) if kw else VadOptions()
    tracker = RegionTracker(opts, max_frames=(LIMIT - 2 * PAD) // FRAME)
    return list(tracker.push_many(probs)) + list(tracker.finish())


def test_regions_follow_speech_probabilities() -> None:
    silence, speech = [0.01] * 100, [0.9] * 50
    spans = _track(silence + speech + silence + speech + silence)
    assert spans == [Span(100 * FRAME, 150 * FRAME), Span(250 * FRAME, 300 * FRAME)]


def test_short_pause_does_not_split_a_region() -> None:
    spans = _track([0.9] * 50 + [0.05] * 10 + [0.9] * 50 + [0.0] * 100)
    assert spans == [Span(0, 110 * FRAME)]


def test_long_speech_is_cut_at_its_quietest_point_not_at_the_limit() -> None:
    max_frames = (LIMIT - 2 * PAD) // FRAME
    dip = int(max_frames * 0.8)
    probs = [0.95] * (max_frames * 3)
    for i in range(dip - 3, dip + 3):
        probs[i] = 0.4  # a breath: below threshold, above the silence threshold
    spans = _track(probs)
    assert spans[0] == Span(0, dip * FRAME) or abs(spans[0].end - dip * FRAME) <= 3 * FRAME
    assert all(s.length <= max_frames * FRAME for s in spans)
    assert all(a.end == b.start for a, b in zip(spans, spans[1:])), "a cut loses no audio"
    assert spans[-1].end == len(probs) * FRAME


def test_region_still_open_at_the_end_runs_to_the_end() -> None:
    assert _track([0.0] * 10 + [0.9] * 20) == [Span(10 * FRAME, 30 * FRAME)]
