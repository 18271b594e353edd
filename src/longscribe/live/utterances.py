"""A live stream -> utterances -> final words, with any engine.

Silero VAD (state carried across blocks) cuts the stream into utterances with OpenAI's
``server_vad`` rules (:class:`~longscribe.options.LiveOptions`). While one is being spoken its
window is decoded again every ``step_seconds``; :class:`~longscribe.live.agreement.Agreement`
makes a word final once two decodes agree on it. When it ends, the window is decoded once more
and everything heard is final. Decodes go through the file pipeline's fallback policy and
speech guard, so a live word is judged as a file's would be.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from longscribe.engines.base import DecodeRequest, Engine
from longscribe.live.agreement import Agreement
from longscribe.live.events import Completed, Delta, Lagging, LiveEvent, Partial, SpeechStarted, SpeechStopped
from longscribe.options import LiveOptions, TranscribeOptions
from longscribe.pipeline.fallback import decode_with_fallback
from longscribe.pipeline.stitch import Stitcher
from longscribe.text.sentences import SENTENCE_END
from longscribe.types import SAMPLE_RATE, AudioArray, Chunk, ChunkAudio, Segment, Span, Word
from longscribe.vad.regions import RegionTracker
from longscribe.vad.silero import FRAME, SileroStream

if TYPE_CHECKING:
    from longscribe.diarize.online import OnlineSpeakers

log = logging.getLogger(__name__)

MAX_UTTERANCE = 28 * SAMPLE_RATE
"""An utterance longer than this is cut at its quietest point (its window, with the prefix and the
end's padding, stays within the model's 30 s)."""
END_PAD = SAMPLE_RATE // 5
"""Audio decoded past the end of speech (VAD's end is where the probability fell, not where the
last word's sound did)."""
LANGUAGE_SECONDS = 3.0
"""An utterance keeps the language a decode of at least this much of it heard (a given language
is kept from the start)."""
FIRST_STEP = 0.4
"""The first decode of an utterance comes after this part of a step (the first words are shown
sooner; it has less to agree with anyway)."""
KEEP_HEARD = 2 * SAMPLE_RATE
"""A window moved on keeps at least this much of what was heard last (a decode of a moment of
audio alone invents words for it)."""
CONTEXT_CHARS = 200
"""Final text carried to a window moved on (and, when asked, to the next utterance) as its prompt."""


def for_live(options: TranscribeOptions) -> TranscribeOptions:
    """The options a live session needs: timed words (agreement compares them), and one decode at a
    time with every thread (None workers: one)."""
    return replace(options, word_timestamps=True, workers=options.workers or 1)


@dataclass
class _Utterance:
    item: int
    start: int
    window: int
    """Where its decodes start: its start, until the window is moved on past a sentence."""
    heard: int = 0
    """Samples of the stream heard at its last decode."""
    agreement: Agreement = field(default_factory=Agreement)
    ending: tuple[int, list[Word]] | None = None
    """(where a silence began, the words decoded up to it): the utterance's last decode if the
    silence lasts, made while it is awaited."""
    prompt: str | None = None
    language: str | None = None
    """The language its decodes keep, once one of them heard enough to tell."""
    heard_in: str | None = None
    """The language of its latest decode."""


class LiveSession:
    """Feed samples with :meth:`push` as they arrive; get events in order. Not thread-safe: one
    caller pushes and decodes (a capture thread queues blocks for it)."""

    def __init__(
        self,
        engine: Engine,
        options: TranscribeOptions,
        live: LiveOptions | None = None,
        *,
        speakers: OnlineSpeakers | None = None,
    ) -> None:
        """``speakers``: label each utterance's speakers as it ends (its audio is then kept until it does)."""
        self.engine = engine
        self.options = options
        self.live = live or LiveOptions()
        self.speakers = speakers
        self._vad = SileroStream()
        self._regions = RegionTracker(self.live.vad, max_frames=MAX_UTTERANCE // FRAME)
        self._audio = np.zeros(0, dtype=np.float32)
        self._base = 0
        """The stream position of ``_audio[0]``."""
        self._last_end = 0
        self._items = 0
        self._open: _Utterance | None = None
        self._lag_said = False
        self._context: str | None = None
        """With ``condition_on_previous_text``, the end of the final text so far: the next utterance's
        prompt (without, an utterance hears no earlier text, as a file's chunks do not)."""
        self.decodes = 0
        self._partial = replace(options, beam_size=self.live.partial_beam_size)

    @property
    def heard(self) -> int:
        """Samples received so far (the stream's clock)."""
        return self._base + self._audio.shape[0]

    @property
    def speaking(self) -> bool:
        """An utterance is being spoken (it has started and not yet ended)."""
        return self._open is not None

    def push(self, audio: AudioArray, lag: float = 0.0) -> list[LiveEvent]:
        """Hear the next samples and return what they made known.

        ``lag``: how long (in the stream's seconds) the first of these samples waited to be heard,
        the caller's measure. Above ``max_lag_seconds`` the stream is behind: the utterance being
        spoken is not decoded again until it has caught up, but every utterance still gets its last
        decode, so no word is lost (only shown later)."""
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        self._audio = np.concatenate([self._audio, audio])
        events: list[LiveEvent] = []
        behind = lag > self.live.max_lag_seconds
        if behind and not self._lag_said:
            self._lag_said = True
            events.append(Lagging(lag))
        events += self._hear(self._vad.feed(audio))
        utterance = self._open
        if utterance is not None and not behind:
            silence = self._regions.silent_since
            if silence is not None and (utterance.ending is None or utterance.ending[0] != silence * FRAME):
                events += self._update(utterance, silence * FRAME)
            elif self.heard - utterance.heard >= self._step:
                events += self._update(utterance)
        self._forget()
        return events

    def close(self) -> list[LiveEvent]:
        """The stream has ended: the utterance being spoken ends with it."""
        return self._hear(self._vad.flush()) + self.commit()

    def commit(self) -> list[LiveEvent]:
        """The utterance being spoken ends now, whatever the VAD would say (a client's commit; the
        stream goes on)."""
        events: list[LiveEvent] = []
        for span in self._regions.finish():
            events += self._end(span)
        if self._open is not None:  # a region too short for the VAD to keep
            events += self._end(Span(self._open.start, self.heard))
        return events

    def clear(self) -> None:
        """Forget the utterance being spoken (a client's clear): it gets no more events."""
        for _ in self._regions.finish():
            pass
        self._open = None
        self._last_end = self.heard

    @property
    def _step(self) -> int:
        return int(self.live.step_seconds * SAMPLE_RATE)

    def _hear(self, probs: np.ndarray) -> list[LiveEvent]:
        events: list[LiveEvent] = []
        for p in probs:
            for span in self._regions.push(float(p)):
                events += self._end(span)
            since = self._regions.open_since
            if since is not None and self._open is None:
                events.append(self._begin(since * FRAME))
        return events

    def _begin(self, speech: int) -> SpeechStarted:
        start = max(speech - self.live.prefix_padding_ms * SAMPLE_RATE // 1000, self._last_end, self._base)
        first = self.heard - int(self._step * (1 - FIRST_STEP))  # its first decode comes sooner
        self._open = _Utterance(self._items, start, start, heard=first, prompt=self._context)
        self._items += 1
        return SpeechStarted(self._open.item, start)

    def _update(self, utterance: _Utterance, silence: int | None = None) -> list[LiveEvent]:
        """Decode the window again (up to a silence that began, to be ready if it ends the utterance)."""
        if silence is None:
            words = self._decode(utterance, self.heard)
        else:
            words = self._decode(utterance, min(silence + END_PAD, self.heard), last=True)
            utterance.ending = (silence, words)
        settled = utterance.agreement.insert(words)
        events: list[LiveEvent] = [Delta(utterance.item, tuple(settled))] if settled else []
        events.append(Partial(utterance.item, "".join(w.text for w in utterance.agreement.tail)))
        self._move_window(utterance)
        return events

    def _end(self, span: Span) -> list[LiveEvent]:
        utterance = self._open
        assert utterance is not None, "VAD closed a region it never opened"
        self._open = None
        end = min(span.end + END_PAD, self.heard)
        events: list[LiveEvent] = [SpeechStopped(utterance.item, span.end)]
        if utterance.ending is not None and utterance.ending[0] == span.end:
            last = utterance.ending[1]  # decoded while the silence was awaited
        else:
            last = self._decode(utterance, end, last=True)
        rest = utterance.agreement.finish(last)
        if rest:
            events.append(Delta(utterance.item, tuple(rest)))
        words = utterance.agreement.final
        # The next one starts after this one's words (a cut inside speech may fall before its last ones).
        self._last_end = max([span.end] + [w.end for w in words[-1:]])
        if words and self.options.condition_on_previous_text:
            self._context = ((self._context or "") + "".join(w.text for w in words))[-CONTEXT_CHARS:]
        segments = tuple(_sentences(words, utterance.item, utterance.language or utterance.heard_in))
        if self.speakers is not None:
            audio = self._audio[utterance.start - self._base : end - self._base]
            segments = self.speakers.label(utterance.start, audio, segments)
        events.append(Completed(utterance.item, utterance.start, span.end, segments))
        return events

    def _decode(self, utterance: _Utterance, end: int, *, last: bool = False) -> list[Word]:
        """The words of the utterance's window up to ``end``, on the stream's timeline (``last``:
        its decode as it ends, with the options' beam; the others with ``partial_beam_size``)."""
        options = self.options if last else self._partial
        span = Span(utterance.window, max(end, utterance.window + 1))
        chunk = Chunk(utterance.item, (span,), span, speech=(span,))
        audio = self._audio[span.start - self._base : span.end - self._base]
        request = DecodeRequest(language=self.options.given_language or utterance.language, prompts=(utterance.prompt,))
        [result] = decode_with_fallback(self.engine, [ChunkAudio(chunk, audio)], options, request)
        self.decodes += 1
        utterance.heard = self.heard
        if result.segments:
            utterance.heard_in = result.language
            if span.length >= LANGUAGE_SECONDS * SAMPLE_RATE and self.options.given_language is None:
                utterance.language = utterance.language or result.language
        return [w for segment in Stitcher().add(result) for w in segment.words]

    def _move_window(self, utterance: _Utterance) -> None:
        """Past ``window_seconds``, start the window after the last final word that ends a sentence
        (but :data:`KEEP_HEARD` before the end of what was heard)."""
        if self.heard - utterance.window <= self.live.window_seconds * SAMPLE_RATE:
            return
        final = utterance.agreement.final
        latest = self.heard - KEEP_HEARD
        ends = [i for i, w in enumerate(final) if utterance.window < w.end <= latest and _ends_sentence(w)]
        if not ends:
            return
        last = final[ends[-1]]
        utterance.window = last.end
        utterance.agreement.move_window(ends[-1] + 1)
        utterance.ending = None  # decoded from where the window started before
        text = (self._context or "") + "".join(w.text for w in final[: ends[-1] + 1])
        utterance.prompt = text[-CONTEXT_CHARS:]
        log.debug("item %d: window moved to %.2f s", utterance.item, last.end / SAMPLE_RATE)

    def _forget(self) -> None:
        """Drop audio no decode (or speaker labelling) will need again: before the open window (the
        open utterance), or the prefix padding."""
        keep = self.heard - self.live.prefix_padding_ms * SAMPLE_RATE // 1000 - FRAME
        if self._open is not None:
            keep = min(keep, self._open.start if self.speakers is not None else self._open.window)
        drop = max(0, keep - self._base)
        if drop:
            self._audio = self._audio[drop:]
            self._base += drop


def _ends_sentence(word: Word) -> bool:
    return word.text.rstrip().rstrip("\"'”’)]}»")[-1:] in SENTENCE_END


def _sentences(words: list[Word], item: int, language: str | None) -> list[Segment]:
    """Final words -> one segment per sentence."""
    segments: list[Segment] = []
    group: list[Word] = []
    for i, word in enumerate(words):
        group.append(word)
        if _ends_sentence(word) or i == len(words) - 1:
            text = "".join(w.text for w in group)
            segments.append(Segment(group[0].start, group[-1].end, text, tuple(group), chunk=item, language=language))
            group = []
    return segments
