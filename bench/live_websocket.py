"""Live through the server: the English long-form file streamed to ``/v1/realtime`` as a client would.

    python bench/live_websocket.py --model base --minutes 10 --out docs/results/live-ws-base-10min.json
    python bench/live_websocket.py --model tiny.en --minutes 60 --speed 6 --workers 1 \
        --out docs/results/live-ws-tiny-1h-6x.json

A real ``longscribe serve`` process; the client sends 100 ms of 24 kHz PCM16 per
``input_audio_buffer.append``, paced at ``--speed`` times real time (0: as fast as the server
reads, which holds a client back when it is 5 s ahead; over an hour websockets' sync client
then stalls its own pongs, its sending thread blocked on a full socket). Files longer than the
recording (31 minutes) are the recording again. Per item: seconds from the end of its speech
(the ``speech_stopped`` event's ``audio_end_ms`` less the silence that ended it, on the
client's clock) to its ``.completed`` event, and from the start of speech to the first words
(a delta, or a partial with ``?partials=true``). Also the WER of the completed text (reference:
the file's timed segments), and the server's peak RSS after each 10 minutes of audio.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from longscribe.audio import AudioStream
from longscribe.benchmarks.measure import peak_rss_mib, percentile
from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text
from longscribe.cli.bench import machine
from longscribe.metrics import error_rates
from longscribe.options import LiveOptions
from longscribe.placement import detect

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
LONGFORM = DATA / "longform_en_asterisk"
RATE = 24000
BLOCK = RATE // 10
TRANSCRIPTION = "conversation.item.input_audio_transcription"
PREFIX, SILENCE = LiveOptions.prefix_padding_ms / 1000, LiveOptions.silence_duration_ms / 1000


def pcm24k(path: Path, seconds: float) -> bytes:
    """The first ``seconds`` of the file (looped when longer) as 24 kHz PCM16."""
    import av

    chunks: list[bytes] = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray().astype("<i2").tobytes() for f in resampler.resample(frame)]
    once = b"".join(chunks)
    need = int(seconds * RATE) * 2
    return (once * (need // len(once) + 1))[:need]


def serve(model: str, data: Path, more: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    log = Path(tempfile.gettempdir()) / "live-websocket-server.log"  # kept, to read after a failure
    argv = [sys.executable, "-m", "longscribe", "serve", "--port", "0", "--data-dir", str(data), "--model", model]
    argv += more
    proc = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT, env={**os.environ})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        found = re.search(rb"serving \S+ at http://127\.0\.0\.1:(\d+)/", log.read_bytes())
        if found:
            return proc, int(found.group(1))
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server did not start: {log.read_text()}")


def stream(port: int, pid: int, pcm: bytes, speed: float) -> dict[str, Any]:
    from websockets.sync.client import connect

    ws = connect(f"ws://127.0.0.1:{port}/v1/realtime?intent=transcription&partials=true", max_size=None).__enter__()
    session = {"type": "transcription", "audio": {"input": {"format": {"type": "audio/pcm", "rate": RATE},
               "transcription": {"language": "en"}, "turn_detection": {"type": "server_vad"}}}}  # fmt: skip
    ws.send(json.dumps({"type": "session.update", "session": session}))
    started = time.monotonic()
    sent = [0]
    rss: list[float] = []

    def send() -> None:
        for i in range(0, len(pcm), BLOCK * 2):
            if speed > 0:
                time.sleep(max(0.0, started + i / 2 / RATE / speed - time.monotonic()))
            ws.send(
                json.dumps(
                    {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[i : i + BLOCK * 2]).decode()}
                )
            )  # noqa: E501
            sent[0] = time.monotonic()
            if len(rss) < i / 2 / RATE / 600:
                rss.append(round(peak_rss_mib(pid), 1))
        ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
        ws.send(json.dumps({"type": "input_audio_buffer.commit"}))

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    begun: dict[str, float] = {}
    ends: dict[str, float] = {}
    ended: list[float] = []
    first: list[float] = []
    texts: list[str] = []
    errors: list[str] = []
    ending = False
    while not ending:  # the first "nothing to commit" comes after every event of the audio
        event = json.loads(ws.recv())
        now = time.monotonic()
        kind, item = event["type"], event.get("item_id")
        if kind == "input_audio_buffer.speech_started":  # OpenAI's start includes the prefix padding
            begun[item] = _clock(started, event["audio_start_ms"] / 1000 + PREFIX, speed, sent[0])
        elif kind == "input_audio_buffer.speech_stopped":  # and its end the silence that ended the speech
            ends[item] = _clock(started, event["audio_end_ms"] / 1000 - SILENCE, speed, sent[0])
        elif kind in (f"{TRANSCRIPTION}.delta", "longscribe.input_audio_transcription.partial"):
            if (event.get("delta") or event.get("text") or "").strip() and item in begun:
                first.append(now - begun.pop(item))
        elif kind == f"{TRANSCRIPTION}.completed":
            ended.append(now - ends.pop(item, now))
            texts.append(event["transcript"])
        elif kind == "error":
            if event["error"]["code"] == "input_audio_buffer_commit_empty":
                ending = True
            else:
                errors.append(event["error"]["message"])
    ws.close()
    return {"completed_after_s": [round(x, 3) for x in ended], "first_words_after_s": [round(x, 3) for x in first],
            "text": " ".join(texts), "errors": errors, "peak_rss_mib_by_10_minutes": rss,
            "peak_rss_mib": round(peak_rss_mib(pid), 1), "wall_s": round(time.monotonic() - started, 1)}  # fmt: skip


def _clock(started: float, seconds: float, speed: float, last_sent: float) -> float:
    """When the client sent the audio at ``seconds`` (paced: by the schedule; unpaced: unknown, the
    latest send stands in)."""
    return started + seconds / speed if speed > 0 else last_sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--speed", type=float, default=1.0, help="times real time; 0: as fast as the server reads")
    parser.add_argument("--workers", type=int, default=None, help="the server's --workers (default: its plan's)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    segments = read_segments(f"{LONGFORM}.segments.tsv")
    with AudioStream(f"{LONGFORM}.mp3") as probe:
        length = (probe.expected_samples or 0) / 16000
    cut = pause_before(segments, min(args.minutes * 60, length))
    seconds = args.minutes * 60 if args.minutes * 60 > length else cut
    pcm = pcm24k(Path(f"{LONGFORM}.mp3"), seconds)
    with tempfile.TemporaryDirectory() as tmp:
        more = [] if args.workers is None else ["--workers", str(args.workers)]
        proc, port = serve(args.model, Path(tmp) / "data", more)
        try:
            live = stream(port, proc.pid, pcm, args.speed)
        finally:
            proc.terminate()
            proc.wait(60)
    done, first = live["completed_after_s"], live["first_words_after_s"]
    report: dict[str, Any] = {
        "machine": machine(detect()),
        "model": args.model,
        "seconds": round(seconds, 1),
        "speed": args.speed,
        "server_workers": args.workers,
        "utterances": len(done),
        "completed_p50_s": round(statistics.median(done), 3) if done else None,
        "completed_p95_s": round(percentile(done, 0.95), 3),
        "first_words_p50_s": round(statistics.median(first), 3) if first else None,
        "first_words_p95_s": round(percentile(first, 0.95), 3),
    }
    if seconds <= length:
        report["wer_live"] = round(error_rates(reference_text(segments, cut), live["text"]).wer, 4)
    report |= live
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    shown = {
        k: v for k, v in report.items() if k not in ("machine", "text", "completed_after_s", "first_words_after_s")
    }
    print(json.dumps(shown, indent=1))


if __name__ == "__main__":
    main()
