"""One Realtime connection's live stream: a LiveSession on a thread of its own, OpenAI's events out.

The connection puts audio and the client's commits and clears in order; the thread hears them
(everything waiting at once, with how long it waited: see ``LiveSession.push``), records the
audio when asked, and turns the session's events into the protocol's: with turn detection an
utterance is an item, committed when its speech stops; without, the audio between two
commits is one item. ``send`` is called from the thread.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from longscribe.audio.wav import open_wav, write_samples
from longscribe.live import Completed, Delta, Lagging, LiveEvent, LiveSession, Partial, SpeechStarted, SpeechStopped
from longscribe.server.formats import error_body
from longscribe.types import SAMPLE_RATE, AudioArray

log = logging.getLogger(__name__)

Message = dict[str, Any]
TRANSCRIPTION = "conversation.item.input_audio_transcription"
PARTIAL = "longscribe.input_audio_transcription.partial"
"""The tail not yet final, replaced each time (only to clients that ask, with ``?partials=true``)."""
COMMIT, CLEAR, END = "commit", "clear", "end"


class LiveStream:
    """``put_audio`` / ``commit`` / ``clear`` / ``end`` from the connection; :meth:`run` on a thread."""

    def __init__(
        self,
        session: LiveSession,
        send: Callable[[Message], None],
        *,
        turns: bool = True,
        partials: bool = False,
        record: Path | None = None,
    ) -> None:
        self.session = session
        self.send = send
        self.turns, self.partials, self.record = turns, partials, record
        self._queue: queue.Queue[tuple[str, float, AudioArray | None]] = queue.Queue()
        self._waiting = 0
        """Samples put and not yet heard."""
        self._lock = threading.Lock()
        self._prefix = secrets.token_hex(4)
        self._previous: str | None = None
        self._started: set[int] = set()
        self._commits = 0
        self._uncommitted = 0
        """Samples heard since the last commit (without turn detection)."""
        self._texts: list[str] = []
        """Final text since the last commit (without turn detection)."""
        self.thread = threading.Thread(target=self.run, name="longscribe-realtime", daemon=True)

    @property
    def waiting_seconds(self) -> float:
        return self._waiting / SAMPLE_RATE

    def put_audio(self, samples: AudioArray) -> None:
        with self._lock:
            self._waiting += samples.shape[0]
        self._queue.put(("audio", time.monotonic(), samples))

    def commit(self) -> None:
        self._queue.put((COMMIT, time.monotonic(), None))

    def clear(self) -> None:
        self._queue.put((CLEAR, time.monotonic(), None))

    def end(self) -> None:
        """No more audio: the utterance being spoken ends, and :meth:`run` returns."""
        self._queue.put((END, time.monotonic(), None))

    def run(self) -> None:
        recording = open_wav(self.record) if self.record is not None else None
        try:
            while self._step(recording):
                pass
        except Exception:  # a bug: the client hears it, the server stays up
            log.exception("live stream failed")
            self.send(_error("the live stream failed (internal error)", "server_error"))
        finally:
            if recording is not None:
                recording.close()

    def _step(self, recording: Any) -> bool:
        """Hear everything waiting, in order; False once the stream has ended."""
        items = [self._queue.get()]
        while items[-1][0] == "audio":
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        audio = [(arrived, samples) for kind, arrived, samples in items if kind == "audio" and samples is not None]
        if audio:
            samples = np.concatenate([s for _, s in audio])
            if recording is not None:
                write_samples(recording, samples)
            with self._lock:
                self._waiting -= samples.shape[0]
            self._uncommitted += samples.shape[0]
            self._say(self.session.push(samples, lag=time.monotonic() - audio[0][0]))
        kind = items[-1][0]
        if kind == COMMIT:
            self._commit()
        elif kind == CLEAR:
            self.session.clear()
            self._texts, self._uncommitted = [], 0
            self.send({"type": "input_audio_buffer.cleared"})
        elif kind == END:
            self._say(self.session.close())
            return False
        return True

    def _commit(self) -> None:
        if (self._uncommitted == 0) if not self.turns else not self.session.speaking:
            self.send(_error("nothing to commit: no audio since the last item", code="input_audio_buffer_commit_empty"))
            return
        self._say(self.session.commit())
        if not self.turns:
            item = self._item(self._commits)
            self._commits += 1
            self._committed(item)
            text = "".join(self._texts).strip()
            if text:
                self.send({"type": f"{TRANSCRIPTION}.delta", "item_id": item, "content_index": 0, "delta": text})
            self.send(_completed(item, text, self._uncommitted))
            self._texts, self._uncommitted = [], 0

    def _say(self, events: list[LiveEvent]) -> None:
        for event in events:
            if self.turns:
                for message in self._turn_messages(event):
                    self.send(message)
            elif isinstance(event, Completed):  # said when the client commits
                self._texts += [s.text for s in event.segments]
            elif isinstance(event, Lagging):
                self.send(_too_slow(event))

    def _turn_messages(self, event: LiveEvent) -> list[Message]:
        if isinstance(event, Lagging):
            return [_too_slow(event)]
        item = self._item(event.item)
        if isinstance(event, SpeechStarted):
            return [{"type": "input_audio_buffer.speech_started", "audio_start_ms": _ms(event.start), "item_id": item}]
        if isinstance(event, SpeechStopped):  # OpenAI's end includes the silence that ended the speech
            end = min(event.end + self.session.live.silence_duration_ms * SAMPLE_RATE // 1000, self.session.heard)
            stopped = {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": _ms(end), "item_id": item}
            return [stopped, self._committed(item, send=False)]
        if isinstance(event, Delta):
            text = event.text if event.item in self._started else event.text.lstrip()
            self._started.add(event.item)
            return [{"type": f"{TRANSCRIPTION}.delta", "item_id": item, "content_index": 0, "delta": text}]
        if isinstance(event, Partial):
            return [{"type": PARTIAL, "item_id": item, "text": event.text}] if self.partials else []
        self._started.discard(event.item)
        return [_completed(item, event.text, event.end - event.start)]

    def _committed(self, item: str, *, send: bool = True) -> Message:
        message = {"type": "input_audio_buffer.committed", "previous_item_id": self._previous, "item_id": item}
        self._previous = item
        if send:
            self.send(message)
        return message

    def _item(self, number: int) -> str:
        return f"item_{self._prefix}{number:05d}"


def _completed(item: str, text: str, samples: int) -> Message:
    return {
        "type": f"{TRANSCRIPTION}.completed",
        "item_id": item,
        "content_index": 0,
        "transcript": text,
        "usage": {"type": "duration", "seconds": round(samples / SAMPLE_RATE, 3)},
    }


def _too_slow(event: Lagging) -> Message:
    return _error(
        f"the server is too slow for this model live (audio waited {event.behind_seconds:.1f}s): the words come"
        " later, none are lost",
        "server_error",
        code="too_slow",
    )


def _error(message: str, kind: str = "invalid_request_error", *, code: str | None = None) -> Message:
    return {"type": "error", **error_body(message, kind, code=code)}


def _ms(samples: int) -> int:
    return samples * 1000 // SAMPLE_RATE
