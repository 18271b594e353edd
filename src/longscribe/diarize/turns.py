"""Diarizer: speaker turns from audio fed in blocks; only small per-window results are kept.

Every 10-second window (a new one every ``hop`` samples) is segmented into at most three
local speakers; each local speaker with enough speech of their own gets a voice embedding, except
in a window that only hears the one voice the window before heard, which is linked to it instead
(unless the next window embedded shows that voice changed on the way: then it is embedded too).
At the end, the embeddings of speech are clustered into the recording's speakers, each local
speaker is mapped to one (two local speakers of a window never to the same), and on a 10 ms grid
a speaker is active where the windows covering it say so on average, as many at once as the
windows counted there, and only where the VAD heard speech. Positions are integer samples at 16 kHz.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import permutations

import numpy as np

from longscribe.diarize.clustering import MAX_CLUSTERED, centroids, cluster
from longscribe.diarize.fbank import fbank
from longscribe.diarize.sessions import FRAME_CENTER, FRAME_HOP, WINDOW, DiarizationModels
from longscribe.errors import JobStateError
from longscribe.options import DiarizeOptions
from longscribe.types import SAMPLE_RATE

GRID = 160
"""Samples per cell of the output grid (10 ms)."""
CELLS = WINDOW // GRID
AGREEMENT = 0.95
"""Share of the cells where two overlapping windows' one voice speaks that both must agree on for
the later window to be linked to the earlier one instead of embedded."""
SAME_VOICE = 0.7
"""Cosine similarity at which the voice after windows linked in a row is the voice before them, and
they stay linked (below it they are embedded after all): lower misses changes of voice, higher
embeds again much of what one voice says. Chosen on the tuning recordings (docs/benchmarks.md,
"Speakers")."""
WEIGHTS = (1.0 + np.hamming(CELLS)).astype(np.float32)
"""How much each cell of a window counts where windows overlap: its middle twice its edges. A local
speaker is known by the speech nearest the window's middle (what is embedded), and the segmentation
now and then keeps one local speaker on across a change of voice near a window's edge."""
TIMELINE_BLOCK = 360_000
"""Cells of the output grid worked out at a time (an hour)."""


@dataclass(frozen=True)
class Turn:
    """One speaker speaking from ``start`` to ``end`` (samples)."""

    start: int
    end: int
    speaker: int

    @property
    def start_s(self) -> float:
        return self.start / SAMPLE_RATE

    @property
    def end_s(self) -> float:
        return self.end / SAMPLE_RATE


EMBEDDING_SIZE = 192
LOCAL_SPEAKERS = 3


class WindowResult:
    """What is kept of one window (about 3 KB; the activity as bits): passed to the job store as
    :meth:`to_bytes`, copied into the :class:`WindowTable`."""

    __slots__ = ("start", "bits", "embeddings", "clean")

    def __init__(
        self, start: int, activity: np.ndarray, embeddings: list[np.ndarray | None], clean: list[bool]
    ) -> None:
        self.start = start
        self.bits = np.packbits(np.asarray(activity, dtype=bool), axis=0)
        """The activity, 8 cells to a byte."""
        self.embeddings = embeddings
        self.clean = clean
        """Whether each embedding came from speech of that speaker alone (used to find the speakers)."""

    @property
    def activity(self) -> np.ndarray:
        """(CELLS, 3) uint8: each local speaker's activity on the 10 ms grid, 1 where they speak."""
        return np.unpackbits(self.bits, axis=0, count=CELLS)

    def to_bytes(self) -> bytes:
        """Activity, then the three embeddings (NaN where none), then the clean flags: exact floats,
        so a restored window clusters exactly as the computed one did."""
        vectors = np.full((LOCAL_SPEAKERS, EMBEDDING_SIZE), np.nan, dtype="<f4")
        for k, vector in enumerate(self.embeddings):
            if vector is not None:
                vectors[k] = vector
        return self.activity.tobytes() + vectors.tobytes() + bytes(self.clean)

    SIZE = CELLS * LOCAL_SPEAKERS + EMBEDDING_SIZE * LOCAL_SPEAKERS * 4 + LOCAL_SPEAKERS
    """Bytes of :meth:`to_bytes`."""

    @classmethod
    def from_bytes(cls, start: int, data: bytes) -> WindowResult:
        cells = CELLS * LOCAL_SPEAKERS
        size = EMBEDDING_SIZE * LOCAL_SPEAKERS * 4
        if len(data) != cls.SIZE:
            raise ValueError(f"a diarization window of {len(data)} bytes")
        activity = np.frombuffer(data[:cells], dtype=np.uint8).reshape(CELLS, LOCAL_SPEAKERS)
        vectors = np.frombuffer(data[cells : cells + size], dtype="<f4").reshape(LOCAL_SPEAKERS, EMBEDDING_SIZE)
        embeddings = [None if np.isnan(v).any() else v.astype(np.float32) for v in vectors]
        return cls(start, activity, embeddings, [bool(b) for b in data[cells + size :]])


class WindowTable:
    """The kept windows in order, packed side by side into a few big arrays of :data:`BLOCK` windows.

    Hours of windows are then a handful of allocations instead of tens of thousands of small ones,
    which would live for hours among the engine's big short-lived ones and split the free memory it
    reuses: the process's peak grew with the recording's length that way (docs/benchmarks.md)."""

    BLOCK = 1024
    """Windows per array (42 minutes of audio at the default hop)."""

    def __init__(self) -> None:
        self._count = 0
        self._starts: list[np.ndarray] = []
        self._bits: list[np.ndarray] = []
        self._vectors: list[np.ndarray] = []
        self._clean: list[np.ndarray] = []

    def __len__(self) -> int:
        return self._count

    def append(self, window: WindowResult) -> None:
        block, row = divmod(self._count, self.BLOCK)
        if row == 0:
            self._starts.append(np.zeros(self.BLOCK, dtype=np.int64))
            self._bits.append(np.zeros((self.BLOCK, *window.bits.shape), dtype=np.uint8))
            self._vectors.append(np.full((self.BLOCK, LOCAL_SPEAKERS, EMBEDDING_SIZE), np.nan, dtype=np.float32))
            self._clean.append(np.zeros((self.BLOCK, LOCAL_SPEAKERS), dtype=bool))
        self._starts[block][row] = window.start
        self._bits[block][row] = window.bits
        for k, vector in enumerate(window.embeddings):
            if vector is not None:
                self._vectors[block][row, k] = vector
        self._clean[block][row] = window.clean
        self._count += 1

    def start(self, w: int) -> int:
        return int(self._starts[w // self.BLOCK][w % self.BLOCK])

    def activity(self, w: int) -> np.ndarray:
        """(CELLS, 3) uint8, as :attr:`WindowResult.activity`."""
        return np.unpackbits(self._bits[w // self.BLOCK][w % self.BLOCK], axis=0, count=CELLS)

    def embedding(self, w: int, k: int) -> np.ndarray | None:
        vector = self._vectors[w // self.BLOCK][w % self.BLOCK, k]
        return None if np.isnan(vector[0]) else vector

    def has_embedding(self, w: int) -> bool:
        """Whether any local speaker of window ``w`` was embedded."""
        return not np.isnan(self._vectors[w // self.BLOCK][w % self.BLOCK, :, 0]).all()

    def clean(self, w: int, k: int) -> bool:
        return bool(self._clean[w // self.BLOCK][w % self.BLOCK, k])

    def embedded(self) -> list[tuple[int, int]]:
        """(window, local speaker) of every embedding, in order."""
        found = []
        for block, vectors in enumerate(self._vectors):
            rows = min(self.BLOCK, self._count - block * self.BLOCK)
            for row, k in zip(*np.nonzero(~np.isnan(vectors[:rows, :, 0]))):
                found.append((block * self.BLOCK + int(row), int(k)))
        return found


class Diarizer:
    """Feed 16 kHz mono audio with :meth:`feed`, then :meth:`finish` for the turns.

    ``done`` holds windows computed by an earlier run (by start sample, as :meth:`WindowResult.to_bytes`
    gave them): they are taken as they are instead of computed again, so a resumed run finds exactly
    the same speakers. Each is read back only when its turn comes.
    ``on_windows`` is called with the windows computed now, in order, a few at a time: those that were
    decided together (to store them in one transaction, so that a run resumed from what was stored
    decides the windows after them as this one did).
    """

    def __init__(
        self,
        models: DiarizationModels,
        options: DiarizeOptions | None = None,
        *,
        done: dict[int, bytes] | None = None,
        on_windows: Callable[[list[WindowResult]], None] | None = None,
    ) -> None:
        self.models = models
        self.options = options or DiarizeOptions()
        self._hop = int(round(self.options.hop_seconds * SAMPLE_RATE))
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0
        self._next_window = 0
        self._total = 0
        self._done = done or {}
        self._on_windows = on_windows
        self.windows = WindowTable()
        self._linked: list[tuple[int, np.ndarray]] = []
        """(start, activity) of the windows linked to the one before them, kept until the next window
        embedded says whether the voice they hear changed on the way (:meth:`_settle`)."""
        self.restored = 0
        """Windows taken from ``done``."""
        self._found: tuple[DiarizeOptions, tuple[list[Turn], np.ndarray]] | None = None
        self.speech: list[tuple[int, int]] | None = None
        """Where the VAD heard speech, as :meth:`finish` was given it."""
        self._replaying = False

    @property
    def samples(self) -> int:
        """Samples fed so far."""
        return self._total

    def feed(self, samples: np.ndarray) -> None:
        """Take the next block of the recording (any length)."""
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, dtype=np.float32)])
        self._total += len(samples)
        while self._next_window + WINDOW <= self._total:
            self._window(self._next_window)
            self._next_window += self._hop
        self._trim()

    def replay(self, samples: int) -> None:
        """Instead of :meth:`feed`: every window of ``done`` (a finished job's), for a recording of about
        ``samples`` (to the millisecond). No audio is needed; windows that do not follow each other
        by the hop (made with other settings) are a JobStateError."""
        self._replaying = True
        starts = sorted(self._done)
        if samples > 0 and not starts or starts != list(range(0, len(starts) * self._hop, self._hop)):
            raise JobStateError(
                "the job's stored speaker windows were made with other settings; transcribe it again with --diarize"
            )
        for start in starts:
            self._window(start)
        self._next_window = len(starts) * self._hop
        self._total = min(samples, starts[-1] + WINDOW) if starts else 0

    def finish(self, speech: Sequence[tuple[int, int]] | None = None) -> list[Turn]:
        """The last windows (padded with silence), then the turns in time order.

        ``speech``: where the VAD heard speech (sample spans, in order); nobody is said to speak
        anywhere else, so music or noise the segmentation took for a voice is nobody's turn. None:
        the windows alone decide."""
        self.speech = None if speech is None else _union(speech)
        self._found = None
        if self._total > 0 and (not self.windows or self.windows.start(len(self.windows) - 1) + WINDOW < self._total):
            start = self._next_window if self.windows else 0
            while True:
                self._window(start)
                if start + WINDOW >= self._total:
                    break
                start += self._hop
        self._keep(self._settle(None))
        return self.turns()

    def turns(self, options: DiarizeOptions | None = None) -> list[Turn]:
        """The turns after :meth:`finish`, found again with other speaker counts or threshold
        (``options``; the windows are not computed again)."""
        return list(self.speakers(options)[0])

    def speakers(self, options: DiarizeOptions | None = None) -> tuple[list[Turn], np.ndarray]:
        """:meth:`turns`, and each speaker's voice: the unit-length mean of the embeddings that found
        it (row ``n`` for speaker ``n``), to compare with voices known by name."""
        options = options or self.options
        if self._found is None or self._found[0] != options:
            self._found = options, self._turns(options)
        return self._found[1]

    # -- per window --------------------------------------------------------

    def _trim(self) -> None:
        keep = self._linked[0][0] if self._linked else self._next_window
        drop = keep - self._buffer_start
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop

    def _window(self, start: int) -> None:
        if start in self._done:
            self._keep(self._settle(None))
            self.windows.append(WindowResult.from_bytes(start, self._done.pop(start)))
            self.restored += 1
            return
        if self._replaying:
            raise JobStateError(f"no stored speaker window at {start / SAMPLE_RATE:.1f} s; transcribe it again")
        audio = self._audio(start)
        frames = self.models.segment(audio[None])[0]
        nearest = ((np.arange(CELLS) * GRID + GRID // 2 - FRAME_CENTER) / FRAME_HOP).round().astype(np.int64)
        activity = frames[np.clip(nearest, 0, len(frames) - 1)].astype(np.uint8)
        valid = max(0, min(CELLS, -(-(self._total - start) // GRID)))
        activity[valid:] = 0
        if self._goes_on(start, activity):  # linked to the window before, once the next embedded one agrees
            self._linked.append((start, activity))
            return
        window = self._embedded(start, audio, activity)
        self._keep([*self._settle(window), window])

    def _audio(self, start: int) -> np.ndarray:
        audio = self._buffer[start - self._buffer_start : start - self._buffer_start + WINDOW]
        return np.pad(audio, (0, WINDOW - len(audio)))

    def _embedded(self, start: int, audio: np.ndarray, activity: np.ndarray) -> WindowResult:
        embeddings: list[np.ndarray | None] = []
        clean: list[bool] = []
        alone = activity.sum(axis=1) == 1
        need = int(self.options.min_embed_seconds * SAMPLE_RATE / GRID)
        for k in range(activity.shape[1]):
            cells = activity[:, k].astype(bool)
            own = cells & alone
            use, is_clean = (own, True) if own.sum() >= need else (cells, False)
            if use.sum() < max(need // 2, 1):
                embeddings.append(None)
                clean.append(False)
                continue
            if self.options.max_embed_seconds is not None:
                use = _central(use, int(self.options.max_embed_seconds * SAMPLE_RATE / GRID))
            samples = audio.reshape(CELLS, GRID)[use].reshape(-1)
            embeddings.append(self.models.embed(fbank(samples)))
            clean.append(is_clean)
        return WindowResult(start, activity, embeddings, clean)

    def _settle(self, after: WindowResult | None) -> list[WindowResult]:
        """The windows linked so far, decided: without embeddings where the voice they hear is the same
        at both ends, and embedded where it changed on the way (the segmentation now and then keeps two
        voices as one local speaker). The same: ``after``, the next window embedded, gave its local
        speaker that goes on from them an embedding at least :data:`SAME_VOICE` similar to that of
        the window before them, or there is nothing to compare (no ``after``, or no such speaker)."""
        linked, self._linked = self._linked, []
        if not linked:
            return []
        changed = False
        if after is not None:
            last = len(self.windows) - 1
            before = self.windows.embedding(last, int(np.argmax(self.windows.activity(last).any(axis=0))))
            shift = (after.start - linked[-1][0]) // GRID
            heard = linked[-1][1][shift:].sum(axis=1) > 0
            overlap = (after.activity[: CELLS - shift].astype(bool) & heard[:, None]).sum(axis=0)
            k = int(np.argmax(overlap))
            if before is not None and overlap[k] > 0 and after.embeddings[k] is not None:
                changed = float(before @ after.embeddings[k]) < SAME_VOICE
        if changed:
            return [self._embedded(start, self._audio(start), activity) for start, activity in linked]
        return [
            WindowResult(start, activity, [None] * LOCAL_SPEAKERS, [False] * LOCAL_SPEAKERS)
            for start, activity in linked
        ]

    def _goes_on(self, start: int, activity: np.ndarray) -> bool:
        """Whether this window hears one voice that goes on from the one voice of the window before:
        where the two overlap, both speak at least ``min_embed_seconds`` and in the same places
        (:data:`AGREEMENT`), and fewer than ``max_linked`` windows in a row before it have no
        embedding. Decided from the windows computed before it only, so a resumed run decides the same."""
        limit = self.options.max_linked
        if limit == 0 or (not self.windows and not self._linked):
            return False
        before_start, before = (
            self._linked[-1]
            if self._linked
            else (self.windows.start(len(self.windows) - 1), self.windows.activity(len(self.windows) - 1))
        )
        mine, theirs = activity.any(axis=0), before.any(axis=0)
        shift = (start - before_start) // GRID
        if mine.sum() != 1 or theirs.sum() != 1 or not 0 < shift < CELLS:
            return False
        here = activity[: CELLS - shift, int(np.argmax(mine))].astype(bool)
        there = before[shift:, int(np.argmax(theirs))].astype(bool)
        both, either = int(np.count_nonzero(here & there)), int(np.count_nonzero(here | there))
        if both < self.options.min_embed_seconds * SAMPLE_RATE / GRID or both < AGREEMENT * either:
            return False
        unembedded = len(self._linked)
        last = len(self.windows) - 1
        while unembedded < limit and last >= 0 and not self.windows.has_embedding(last):
            unembedded += 1
            last -= 1
        return unembedded < limit

    def _keep(self, windows: list[WindowResult]) -> None:
        for window in windows:
            self.windows.append(window)
        if windows and self._on_windows is not None:
            self._on_windows(windows)

    # -- at the end --------------------------------------------------------

    def _turns(self, o: DiarizeOptions) -> tuple[list[Turn], np.ndarray]:
        found = self.windows.embedded()
        if not found:
            return [], np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        clean = np.array([self.windows.clean(w, k) and self._in_speech(w, k) for w, k in found])
        training = np.flatnonzero(clean) if clean.any() else np.arange(len(found))
        if len(training) > MAX_CLUSTERED:
            training = training[np.linspace(0, len(training) - 1, MAX_CLUSTERED).round().astype(np.int64)]
        trained = np.stack([self.windows.embedding(*found[i]) for i in training])  # type: ignore[misc]
        # A voice is one heard in more places than one window covers, so one short sound seen by
        # each window overlapping it is not taken for a speaker of its own (in a recording too short
        # for that: further apart than half the span of its windows).
        places = np.array([self.windows.start(found[i][0]) for i in training])
        spread = min(WINDOW, int(np.ptp(places)) // 2)
        labels = cluster(trained, threshold=o.threshold, num_speakers=o.num_speakers, min_speakers=o.min_speakers,
                         max_speakers=o.max_speakers, places=places, min_spread=spread)  # fmt: skip
        speakers = centroids(trained, labels)
        by_window: dict[int, list[int]] = {}
        for w, k in found:
            by_window.setdefault(w, []).append(k)
        links = self._links(set(found))
        while True:
            mapping: dict[tuple[int, int], int] = {}
            for w, local in by_window.items():
                similarity = np.stack([self.windows.embedding(w, k) for k in local]) @ speakers.T  # type: ignore[misc]
                mapping.update(zip([(w, k) for k in local], _assign(similarity)))
            for linked, roots in links.items():  # a voice that changes between its windows is left to theirs
                if len({mapping[root] for root in roots}) == 1:
                    mapping[linked] = mapping[roots[0]]
            active = self._timeline(mapping, len(speakers))
            talk = active.sum(axis=0) * GRID / SAMPLE_RATE
            if o.num_speakers is not None:
                if len(speakers) <= o.num_speakers:
                    break
                drop = np.arange(len(speakers)) == np.argmin(talk)  # one voice too many: the least heard goes
            else:
                drop = talk < o.min_speaker_seconds  # heard too briefly to be a voice of its own
                if not drop.any() or len(speakers) - drop.sum() < o.min_speakers:
                    break
            speakers = speakers[~drop]
        turns = runs_to_turns(
            active, self._total, gap_seconds=o.fill_gap_seconds, shortest_seconds=o.min_turn_seconds, renumber=False
        )
        heard = list(dict.fromkeys(t.speaker for t in turns))
        return _renumbered(turns), speakers[heard] if heard else speakers[:0]

    def _in_speech(self, w: int, k: int) -> bool:
        """Whether the VAD heard speech in at least half of where local speaker ``k`` of window ``w``
        speaks (always, without a VAD): an embedding of music or noise is no voice to cluster."""
        if self.speech is None:
            return True
        first = self.windows.start(w) // GRID
        cells = self.windows.activity(w)[:, k].astype(bool)
        return 2 * int(np.count_nonzero(cells & _heard(self.speech, first, first + CELLS))) >= int(cells.sum())

    def _links(self, embedded: set[tuple[int, int]]) -> dict[tuple[int, int], list[tuple[int, int]]]:
        """Each local speaker without an embedding -> the embedded local speakers it goes with: of the
        overlapping windows before it, the local speaker whose activity agrees with its own the most
        (or what that one, linked already, goes with), and of those after it, the embedded one that
        agrees the most (none where nothing agrees)."""
        reach = -(-WINDOW // self._hop) - 1
        links: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for w in range(len(self.windows)):
            activity = self.windows.activity(w)
            unlinked = [k for k in range(LOCAL_SPEAKERS) if (w, k) not in embedded and activity[:, k].any()]
            if not unlinked:
                continue
            near = [v for v in range(max(0, w - reach), min(len(self.windows), w + reach + 1)) if v != w]
            others = {v: self.windows.activity(v) for v in near}
            for k in unlinked:
                best: dict[bool, tuple[int, int]] = {}
                agreement = {False: 0, True: 0}
                for v in near:
                    shift = (self.windows.start(v) - self.windows.start(w)) // GRID
                    if abs(shift) >= CELLS:
                        continue
                    mine = activity[max(0, shift) : CELLS + min(0, shift), k]
                    theirs = others[v][max(0, -shift) : CELLS - max(0, shift)]
                    for j in range(LOCAL_SPEAKERS):
                        if (v, j) in embedded or (v < w and (v, j) in links):
                            together = int(np.count_nonzero(mine & theirs[:, j]))
                            if together > agreement[v > w]:
                                best[v > w], agreement[v > w] = (v, j), together
                roots = [r for side in (False, True) if side in best for r in links.get(best[side], [best[side]])]
                if roots:
                    links[(w, k)] = list(dict.fromkeys(roots))
        return links

    def _timeline(self, mapping: dict[tuple[int, int], int], count: int) -> np.ndarray:
        """(cells, speakers) booleans: who speaks in each 10 ms cell. Worked out a block of cells at a
        time, so what it needs besides the answer stays small however long the recording."""
        cells = -(-self._total // GRID)
        active = np.zeros((cells, count), dtype=bool)
        starts = [self.windows.start(w) // GRID for w in range(len(self.windows))]
        for first in range(0, cells, TIMELINE_BLOCK):
            last = min(cells, first + TIMELINE_BLOCK)
            score = np.zeros((last - first, count), dtype=np.float32)
            covered = np.zeros(last - first, dtype=np.float32)
            talking = np.zeros(last - first, dtype=np.float32)
            for w in range(bisect_left(starts, first - CELLS + 1), bisect_left(starts, last)):
                begin, end = max(first, starts[w]), min(last, starts[w] + CELLS)
                activity = self.windows.activity(w)[begin - starts[w] : end - starts[w]]
                span = slice(begin - first, end - first)
                weight = WEIGHTS[begin - starts[w] : end - starts[w]]
                covered[span] += weight
                talking[span] += activity.sum(axis=1) * weight
                for k in range(LOCAL_SPEAKERS):
                    speaker = mapping.get((w, k))
                    if speaker is not None:
                        score[span, speaker] += activity[:, k] * weight
            covered = np.maximum(covered, 1)
            score /= covered[:, None]
            how_many = np.rint(talking / covered).astype(np.int64)
            ranked = np.argsort(-score, axis=1)
            block = active[first:last]
            for n in range(1, min(count, 2) + 1):
                rows = np.flatnonzero(how_many >= n)
                block[rows, ranked[rows, n - 1]] = True
            block &= score > 0
            if self.speech is not None:
                block &= _heard(self.speech, first, last)[:, None]
        return active


def runs_to_turns(
    active: np.ndarray, total: int, *, gap_seconds: float, shortest_seconds: float, renumber: bool = True
) -> list[Turn]:
    """(cells, speakers) booleans on the 10 ms grid -> turns in time order, speakers numbered by first
    appearance (or by column, without ``renumber``); pauses up to ``gap_seconds`` are filled, turns
    shorter than ``shortest_seconds`` dropped."""
    gap = int(gap_seconds * SAMPLE_RATE / GRID)
    shortest = int(shortest_seconds * SAMPLE_RATE / GRID)
    turns: list[Turn] = []
    for speaker in range(active.shape[1]):
        column = np.concatenate([[0], active[:, speaker].astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(column))
        runs: list[list[int]] = []
        for start, end in zip(edges[::2], edges[1::2]):
            if runs and start - runs[-1][1] <= gap:
                runs[-1][1] = int(end)
            else:
                runs.append([int(start), int(end)])
        for start, end in runs:
            if end - start >= shortest:
                turns.append(Turn(start * GRID, min(end * GRID, total), speaker))
    turns.sort(key=lambda t: (t.start, t.speaker))
    return _renumbered(turns) if renumber else turns


def _union(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` (samples) sorted, overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((int(a), int(b)) for a, b in spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _heard(speech: list[tuple[int, int]], first: int, last: int) -> np.ndarray:
    """Cells ``first..last`` of the grid: True where one of the ``speech`` spans (samples, sorted and
    apart, as :func:`_union` leaves them) covers part of the cell."""
    heard = np.zeros(last - first, dtype=bool)
    for start, end in speech[max(0, bisect_left(speech, (first * GRID, 0)) - 1) :]:
        if start >= last * GRID:
            break
        a, b = max(first, start // GRID), min(last, -(-end // GRID))
        if a < b:
            heard[a - first : b - first] = True
    return heard


def _central(cells: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` of the true ``cells``: those nearest the window's middle."""
    chosen = np.flatnonzero(cells)
    if len(chosen) <= most:
        return cells
    keep = chosen[np.argsort(np.abs(chosen - len(cells) // 2), kind="stable")[:most]]
    out = np.zeros_like(cells)
    out[keep] = True
    return out


def _assign(similarity: np.ndarray) -> list[int]:
    """The speaker of each of a window's local speakers: the most similar overall, never one twice
    (when there are fewer speakers than local speakers, the extra ones share the closest)."""
    n, k = similarity.shape
    if k < n:
        return [int(i) for i in np.argmax(similarity, axis=1)]
    best = max(permutations(range(k), n), key=lambda p: sum(similarity[i, p[i]] for i in range(n)))
    return list(best)


def _renumbered(turns: list[Turn]) -> list[Turn]:
    """Speakers numbered 0, 1, ... in order of first appearance."""
    order: dict[int, int] = {}
    for turn in turns:
        order.setdefault(turn.speaker, len(order))
    return [Turn(t.start, t.end, order[t.speaker]) for t in turns]
