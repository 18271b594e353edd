"""Windows that hear the voice the window before heard are linked to it instead of embedded again.

The models here are stand-ins that tell two tones apart (a low and a high one), so which windows
are embedded, and what a resumed run decides, can be checked exactly: a unit test of the
bookkeeping. The real models' accuracy with linking is in test_turns.py and bench/diarization.py.
"""

from __future__ import annotations

import numpy as np

from longscribe.diarize import DiarizeOptions, Diarizer
from longscribe.diarize.sessions import FRAME_CENTER, FRAME_HOP, WINDOW
from longscribe.types import SAMPLE_RATE

S = SAMPLE_RATE
LOW, HIGH = 200.0, 2000.0


class Tones:
    """Segmentation: local speaker 0 where a low tone sounds, 1 where a high one does. Embedding:
    a one-hot vector at the loudest filterbank bin. Counts its embeddings."""

    def __init__(self) -> None:
        self.embedded = 0

    def segment(self, windows: np.ndarray) -> np.ndarray:
        frames = (WINDOW - 2 * FRAME_CENTER) // FRAME_HOP + 1
        out = np.zeros((len(windows), frames, 3), dtype=np.float32)
        for n, audio in enumerate(windows):
            for f in range(frames):
                piece = audio[f * FRAME_HOP : f * FRAME_HOP + 2 * FRAME_CENTER]
                if np.abs(piece).max() > 0.01:
                    crossings = np.count_nonzero(np.diff(np.signbit(piece)))
                    out[n, f, 0 if crossings < 30 else 1] = 1
        return out

    def embed(self, features: np.ndarray) -> np.ndarray:
        self.embedded += 1
        vector = np.zeros(192, dtype=np.float32)
        vector[int(np.argmax(features.mean(axis=0)))] = 1.0
        return vector


def tone(hz: float, seconds: float) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * hz * np.arange(int(seconds * S)) / S)).astype(np.float32)


def run(
    audio: np.ndarray, options: DiarizeOptions, speech: list[tuple[int, int]] | None = None, **kwargs: object
) -> tuple[Diarizer, Tones]:
    models = Tones()
    diarizer = Diarizer(models, options, **kwargs)  # type: ignore[arg-type]
    for start in range(0, len(audio), 7 * S):
        diarizer.feed(audio[start : start + 7 * S])
    diarizer.finish(speech)
    return diarizer, models


def embedded(diarizer: Diarizer) -> list[bool]:
    return [diarizer.windows.has_embedding(w) for w in range(len(diarizer.windows))]


def test_a_voice_that_goes_on_is_embedded_once_in_every_few_windows() -> None:
    audio = tone(LOW, 60.0)
    linked, models = run(audio, DiarizeOptions(max_linked=3))
    assert embedded(linked)[:20] == [w % 4 == 0 for w in range(20)]
    every, all_models = run(audio, DiarizeOptions(max_linked=0))
    assert all(embedded(every)) and all_models.embedded == len(every.windows)
    assert models.embedded < all_models.embedded / 3
    assert [(t.start, t.end, t.speaker) for t in linked.turns()] == [(t.start, t.end, t.speaker) for t in every.turns()]
    assert {t.speaker for t in linked.turns()} == {0} and linked.turns()[0].start < S // 10


def test_a_window_that_hears_another_voice_is_embedded_and_the_change_is_found() -> None:
    diarizer, _ = run(np.concatenate([tone(LOW, 30.0), tone(HIGH, 30.0)]), DiarizeOptions())
    starts = [diarizer.windows.start(w) for w in range(len(diarizer.windows))]
    flags = embedded(diarizer)
    for w, start in enumerate(starts):
        if start < 30 * S < start + WINDOW:  # both tones heard
            assert flags[w], start / S
        if start - 40_000 < 30 * S <= start:  # the first with the high tone alone: the window before heard both
            assert flags[w], start / S
    assert not all(flags)
    turns = diarizer.turns()
    assert [t.speaker for t in turns] == [0, 1]
    assert abs(turns[0].end - 30 * S) < S // 5 and abs(turns[1].start - 30 * S) < S // 5


def test_a_resumed_run_links_the_same_windows() -> None:
    """Restored windows (half of them) then computed ones: the same windows are embedded."""
    audio = np.concatenate([tone(LOW, 23.0), tone(HIGH, 41.0)])
    stored: dict[int, bytes] = {}
    whole, _ = run(
        audio, DiarizeOptions(), on_windows=lambda windows: stored.update((w.start, w.to_bytes()) for w in windows)
    )
    half = dict(list(stored.items())[: len(stored) // 2 + 1])  # ends within a stretch of the high tone alone
    resumed, _ = run(audio, DiarizeOptions(), done=dict(half))
    assert resumed.restored == len(half)
    assert not embedded(whole)[len(half) - 1], "the last restored window was a linked one"
    assert embedded(resumed) == embedded(whole)
    assert resumed.turns() == whole.turns()


class OneSlot(Tones):
    """Segmentation that keeps one local speaker on through any sound, as the real model now and then
    does across a change of voice; the embedding still tells the tones apart."""

    def segment(self, windows: np.ndarray) -> np.ndarray:
        out = super().segment(windows)
        out[..., 0] = out.max(axis=-1)
        out[..., 1:] = 0
        return out


def test_windows_linked_across_a_change_of_voice_are_embedded_and_the_change_is_found() -> None:
    """A low tone for 27 s, then a high one, one local speaker throughout: the windows linked after
    the one embedded at 20 s go on past the change, and the next embedded one (at 30 s) hears the
    high tone, so the linked ones are embedded after all and tell where the change is; where a voice
    goes on, the windows stay linked."""
    models = OneSlot()
    diarizer = Diarizer(models, DiarizeOptions())  # type: ignore[arg-type]
    audio = np.concatenate([tone(LOW, 27.0), tone(HIGH, 37.0)])
    for start in range(0, len(audio), 7 * S):
        diarizer.feed(audio[start : start + 7 * S])
    turns = diarizer.finish()
    flags = embedded(diarizer)
    assert flags[:8] == [True, False, False, False] * 2 and flags[8:13] == [True] * 5
    assert flags[13:16] == [False] * 3 and models.embedded == sum(flags)
    assert [t.speaker for t in turns] == [0, 1]
    assert abs(turns[1].start - 27 * S) <= S, turns[1].start / S


def test_a_run_resumed_from_any_stored_batch_decides_the_same() -> None:
    """A change of voice inside linked windows: a run resumed after each batch the diarizer handed
    to be stored embeds the same windows and finds the same turns as the whole run."""
    audio = np.concatenate([tone(LOW, 27.0), tone(HIGH, 37.0)])
    batches: list[list[tuple[int, bytes]]] = []
    whole = Diarizer(
        OneSlot(), DiarizeOptions(), on_windows=lambda ws: batches.append([(w.start, w.to_bytes()) for w in ws])
    )  # type: ignore[arg-type]
    for start in range(0, len(audio), 7 * S):
        whole.feed(audio[start : start + 7 * S])
    expected = whole.finish()
    assert any(len(batch) > 1 for batch in batches)
    for n in range(1, len(batches)):
        done = dict(pair for batch in batches[:n] for pair in batch)
        resumed = Diarizer(OneSlot(), DiarizeOptions(), done=dict(done))  # type: ignore[arg-type]
        for start in range(0, len(audio), 7 * S):
            resumed.feed(audio[start : start + 7 * S])
        assert resumed.finish() == expected
        assert resumed.restored == len(done) and embedded(resumed) == embedded(whole)


def test_nobody_speaks_where_the_vad_heard_no_speech() -> None:
    """Low tone (speech), a high tone the VAD did not take for speech (music), low tone again: the
    high tone is nobody's turn and its embeddings make no speaker; without the VAD's word it is one."""
    audio = np.concatenate([tone(LOW, 20.0), tone(HIGH, 20.0), tone(LOW, 20.0)])
    speech = [(40 * S, 60 * S), (0, 20 * S)]  # any order
    gated, _ = run(audio, DiarizeOptions(), speech=speech)
    assert {t.speaker for t in gated.turns()} == {0}
    assert all(t.end <= 20 * S + S // 100 or t.start >= 40 * S - S // 100 for t in gated.turns()), gated.turns()
    assert sum(t.end - t.start for t in gated.turns()) >= 39 * S
    ungated, _ = run(audio, DiarizeOptions())
    assert [t.speaker for t in ungated.turns()] == [0, 1, 0]
