"""Corrections over HTTP: a real server keeps each corrected transcript as a revision.

GET gives the latest revision (its ETag names it) or ``?revision=N``; PUT with ``If-Match``
stores the next one, refuses a stale one (412), a malformed one (400, naming the field),
one too large (413) and one without a key (401); every format, docx included, is written
from the latest revision; a kill -9 during saves loses at most the save in flight.
"""

from __future__ import annotations

import io
import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import Server, conversation, send_raw

KEY = "corrections-key-42"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[tuple[Server, str]]:
    with conversation(tmp_path_factory.mktemp("corrections") / "data", data_dir / "pyannote_sample.wav", KEY) as served:
        yield served


def latest(server: Server, job_id: str, fmt: str = "json", revision: int | None = None) -> Any:
    asked = "" if revision is None else f"&revision={revision}"
    reply = server.request("GET", f"/v1/jobs/{job_id}/result?format={fmt}{asked}")
    assert reply.status == 200, reply.body
    return reply


def put(server: Server, job_id: str, doc: Any, match: str | None, **headers: str) -> Any:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    sent = {"Content-Type": "application/json", **({"If-Match": match} if match is not None else {}), **headers}
    return server.request("PUT", f"/v1/jobs/{job_id}/result", body, sent)


def renamed(doc: dict[str, Any], old: str, new: str) -> None:
    for segment in doc["segments"]:
        if segment.get("speaker") == old:
            segment["speaker"] = new
    doc["speakers"] = [new if s["speaker"] == old else s["speaker"] for s in doc["speakers"]]


def retyped(segment: dict[str, Any], k: int, word: str) -> None:
    segment["words"][k]["word"] = " " + word
    segment["text"] = "".join(w["word"] for w in segment["words"])


def test_a_correction_is_a_revision_every_format_writes_and_a_stale_one_is_refused(served: tuple[Server, str]) -> None:
    server, job_id = served
    first = latest(server, job_id)
    assert first.headers["etag"] == '"0"'
    doc = first.json()
    assert doc["revision"] == 0 and not any(s["edited"] for s in doc["segments"])
    assert all(s["words"] for s in doc["segments"]), "the page edits words: json has them"
    speakers = [s["speaker"] for s in doc["speakers"]]
    assert speakers == ["SPEAKER_00", "SPEAKER_01"]
    retyped(doc["segments"][0], 0, "Greetings")
    renamed(doc, "SPEAKER_00", "Ana <b>")

    saved = put(server, job_id, doc, '"0"')
    assert saved.status == 200, saved.body
    assert saved.headers["etag"] == '"1"' and saved.json()["revision"] == 1
    assert saved.json()["summary"] == "1 word changed; SPEAKER_00 renamed Ana <b>"

    now = latest(server, job_id)
    assert now.headers["etag"] == '"1"'
    got = now.json()
    assert got["revision"] == 1 and got["segments"][0]["text"].split()[0] == "Greetings"
    assert got["segments"][0]["edited"] and [s["speaker"] for s in got["speakers"]] == ["Ana <b>", "SPEAKER_01"]
    untouched = [s for s in got["segments"] if s.get("speaker") == "SPEAKER_01"]
    assert untouched and not any(s["edited"] for s in untouched), "only what changed is marked"
    old = latest(server, job_id, revision=0)
    assert old.headers["etag"] == '"0"' and old.json()["segments"][0]["text"] == first.json()["segments"][0]["text"]

    srt = latest(server, job_id, "srt").text
    assert "[Ana <b>] Greetings" in srt and "[SPEAKER_00]" not in srt
    assert latest(server, job_id, "txt").text.startswith("Ana <b>: Greetings")
    html = latest(server, job_id, "html").text
    assert "Ana &lt;b&gt;" in html and "Ana <b>" not in html
    rttm = latest(server, job_id, "rttm").text
    assert "Ana_<b>" in rttm and "SPEAKER_00" not in rttm
    docx = pytest.importorskip("docx")
    paragraphs = [p for p in docx.Document(io.BytesIO(latest(server, job_id, "docx").body)).paragraphs]
    assert paragraphs[0].style.name == "Heading 1" and paragraphs[0].text == "pyannote_sample.wav"
    about = paragraphs[1].text
    assert about.startswith("pyannote_sample.wav · 00:00:30 · ") and about.endswith("revision 1")
    assert paragraphs[2].style.name == "Normal" and paragraphs[2].text.startswith("[00:00:06] Ana <b>: Greetings")

    stale = put(server, job_id, first.json(), '"0"')  # a second tab, still on revision 0
    assert stale.status == 412 and stale.json()["error"]["code"] == "conflict" and stale.headers["etag"] == '"1"'
    revisions = server.request("GET", f"/v1/jobs/{job_id}/revisions").json()["data"]
    assert [(r["revision"], r["summary"]) for r in revisions] == [
        (0, "as transcribed"),
        (1, "1 word changed; SPEAKER_00 renamed Ana <b>"),
    ]


def test_malformed_corrections_are_refused_naming_the_field_and_nothing_is_stored(served: tuple[Server, str]) -> None:
    server, job_id = served
    reply = latest(server, job_id)
    number = int(reply.headers["etag"].strip('"'))
    good = reply.json()

    def broken(change: Any) -> dict[str, Any]:
        doc = json.loads(json.dumps(good))
        change(doc)
        return doc

    def backwards(doc: dict[str, Any]) -> None:
        doc["segments"][1]["start"] = doc["segments"][0]["start"] - 1

    def misspelt(doc: dict[str, Any]) -> None:
        doc["segments"][0]["text"] = " Something else entirely."

    def stranger(doc: dict[str, Any]) -> None:
        doc["segments"][2]["speaker"] = "Nobody"

    def word_late(doc: dict[str, Any]) -> None:
        doc["segments"][0]["words"][0]["end"] = doc["segments"][0]["end"] + 5

    cases = [
        (broken(backwards), "segments[1].start", "times out of order"),
        (broken(misspelt), "segments[0].words", "do not add up"),
        (broken(stranger), "segments[2].speaker", "not one of the document's speakers"),
        (broken(word_late), "segments[0].words[0].start", "outside its segment"),
        ({"segments": "none"}, "segments", "must be a list"),
        (b"{not json", "body", "JSON"),
    ]
    for doc, field, words in cases:
        answer = put(server, job_id, doc, f'"{number}"')
        assert answer.status == 400, (field, answer.body)
        error = answer.json()["error"]
        assert error["param"] == field and words in error["message"] and "\n" not in error["message"], error
    assert put(server, job_id, good, None).status == 428, "a save says what it was made from"
    assert put(server, job_id, good, f'"{number}"', Authorization="Bearer wrong").status == 401
    head = (
        f'PUT /v1/jobs/{job_id}/result HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nIf-Match: "{number}"\r\n'
        "Content-Type: application/json\r\nContent-Length: 40000000\r\nConnection: close\r\n\r\n"
    ).encode()
    assert b" 413 " in send_raw(server.port, head, b"{}" * 10).split(b"\r\n")[0]
    assert latest(server, job_id).headers["etag"] == f'"{number}"', "nothing was stored"
    assert server.request("GET", f"/v1/jobs/{job_id}/result?format=json&revision=99").status == 404


def test_kill_9_during_saves_keeps_every_saved_revision_whole(served: tuple[Server, str]) -> None:
    server, job_id = served
    reply = latest(server, job_id)
    start = int(reply.headers["etag"].strip('"'))
    doc = reply.json()
    sent: dict[int, str] = {}
    saved: list[int] = []
    stop = threading.Event()

    def autosave() -> None:  # as the page does: each save made from the one before
        number = start
        for n in range(1000):
            if stop.is_set():
                return
            retyped(doc["segments"][0], 0, f"Take{n}")
            sent[number + 1] = doc["segments"][0]["text"]
            try:
                answer = put(server, job_id, doc, f'"{number}"')
            except OSError:
                return
            if answer.status != 200:
                return
            number = answer.json()["revision"]
            saved.append(number)

    thread = threading.Thread(target=autosave)
    thread.start()
    try:
        while len(saved) < 5 and thread.is_alive():
            threading.Event().wait(0.02)
        server.stop(signal.SIGKILL)
    finally:
        stop.set()
        thread.join(60)
    assert len(saved) >= 5
    server.start()  # the same data folder
    after = latest(server, job_id)
    number = int(after.headers["etag"].strip('"'))
    assert number in (saved[-1], saved[-1] + 1), "at most the save in flight is lost"
    assert after.json()["segments"][0]["text"] == sent[number]
    listed = server.request("GET", f"/v1/jobs/{job_id}/revisions").json()["data"]
    assert [r["revision"] for r in listed] == list(range(number + 1))
    for n in (start + 1, saved[-1]):
        assert latest(server, job_id, revision=n).json()["segments"][0]["text"] == sent[n]
