"""Live latency: the English long-form file streamed at real time through a live session.

    python bench/live_latency.py --model base --minutes 10 --out docs/results/live-base.json
    python bench/live_latency.py --model base --minutes 3 --speed 4 --out docs/results/live-base-4x.json

A file played at ``--speed`` times real time (``longscribe live FILE --realtime``'s capture) feeds
:class:`longscribe.live.LiveRun` with the real model, as ``longscribe live`` does. Per utterance:
seconds from the end of its speech (as VAD found it) to its completed text, and from its start to
the first words shown. Also the WER of the live text and of ``transcribe`` on the same audio
(reference: the file's timed segments), the peak RSS each minute, and what the lag guard said.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from longscribe import Transcriber
from longscribe.benchmarks.measure import peak_rss_mib, percentile
from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text, write_slice
from longscribe.cli.bench import machine
from longscribe.live import Completed, Delta, Lagging, LiveRun, LiveSession, Partial, SpeechStarted
from longscribe.live.capture import StreamCapture
from longscribe.live.utterances import for_live
from longscribe.metrics import error_rates
from longscribe.options import LiveOptions, TranscribeOptions
from longscribe.placement import detect
from longscribe.types import SAMPLE_RATE

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
LONGFORM = DATA / "longform_en_asterisk"


def stream(audio: Path, options: TranscribeOptions, live: LiveOptions, speed: float) -> dict[str, object]:
    transcriber = Transcriber(for_live(options))
    session = LiveSession(transcriber.engine, transcriber.decoding, live)
    run = LiveRun(session, StreamCapture(str(audio), play=speed))
    prefix = live.prefix_padding_ms * SAMPLE_RATE // 1000
    begun: dict[int, float] = {}
    ended: list[float] = []
    first: list[float] = []
    texts: list[str] = []
    lagging: list[float] = []
    rss: list[float] = []
    started = time.monotonic()

    def due(position: int) -> float:  # when the capture made this sample available
        return started + position / SAMPLE_RATE / speed

    for event in run.events():
        now = time.monotonic()
        if isinstance(event, SpeechStarted):
            begun[event.item] = due(event.start + prefix)
        elif isinstance(event, (Delta, Partial)) and event.text.strip() and event.item in begun:
            first.append(now - begun.pop(event.item))
        elif isinstance(event, Completed):
            ended.append(now - due(event.end))
            texts.append(event.text)
        elif isinstance(event, Lagging):
            lagging.append(event.behind_seconds)
        if len(rss) < (now - started) / 60:
            rss.append(round(peak_rss_mib(os.getpid()), 1))
    return {"completed_after_s": [round(x, 3) for x in ended], "first_words_after_s": [round(x, 3) for x in first],
            "text": " ".join(texts), "lagging": lagging, "decodes": session.decodes, "peak_rss_mib_by_minute": rss,
            "wall_s": round(time.monotonic() - started, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--step", type=float, default=LiveOptions.step_seconds)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    segments = read_segments(f"{LONGFORM}.segments.tsv")
    cut = pause_before(segments, args.minutes * 60)
    options = TranscribeOptions(model=args.model, language="en")
    with tempfile.TemporaryDirectory() as tmp:
        audio = write_slice(f"{LONGFORM}.mp3", Path(tmp) / "slice.wav", cut)
        reference = reference_text(segments, cut)
        file_text = " ".join(s.text for s in Transcriber(options).transcribe(audio))
        live = stream(audio, options, LiveOptions(step_seconds=args.step), args.speed)
    done, first = live["completed_after_s"], live["first_words_after_s"]
    assert isinstance(done, list) and isinstance(first, list)
    report = {
        "machine": machine(detect()),
        "model": args.model,
        "seconds": round(cut, 1),
        "speed": args.speed,
        "live_options": asdict(LiveOptions(step_seconds=args.step)),
        "utterances": len(done),
        "completed_p50_s": round(statistics.median(done), 3) if done else None,
        "completed_p95_s": round(percentile(done, 0.95), 3),
        "first_words_p50_s": round(statistics.median(first), 3) if first else None,
        "first_words_p95_s": round(percentile(first, 0.95), 3),
        "wer_live": round(error_rates(reference, str(live["text"])).wer, 4),
        "wer_file": round(error_rates(reference, file_text).wer, 4),
        **live,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k not in ("machine", "text", "completed_after_s",
                                                                      "first_words_after_s")}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
