"""Every subcommand, every option, generated bad values: one line, exit 1 or 2, no traceback, nothing written.

The commands run in this process (``main(argv)``), so hundreds of examples take seconds. An
engine is never loaded: ``build_engine`` gives a FakeEngine, and the bench and tune runs
themselves are replaced by a tripwire — a value taken for good would show as a run that
finishes (exit 0) or trips it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audio_fixtures import tone, write_wav
from longscribe.cli.main import build_parser, main
from longscribe.engines import FakeEngine
from longscribe.options import COMPUTE_TYPES, MAX_BATCH, MAX_BEAM, MAX_THREADS, MAX_WORKERS

FLAGS = ("StoreTrueAction", "BooleanOptionalAction", "_StoreTrueAction", "_HelpAction")
FREE_TEXT = {
    ("transcribe", "initial_prompt"): "any text is a prompt",
    ("transcribe", "html_audio"): "any path or address the page's player may play",
    ("export", "html_audio"): "any path or address the page's player may play",
    ("watch", "initial_prompt"): "any text is a prompt",
    ("watch", "html_audio"): "any path or address the page's player may play",
}


class Place:
    """Paths of the kinds a user mistypes: missing, a folder, text, empty, below a file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clip = write_wav(root / "clip.wav", tone(3.0, level=0.2))
        self.reference = root / "clip.txt"
        self.reference.write_text("a tone")
        self.folder = root / "folder"
        self.folder.mkdir()
        self.watched = root / "watched"  # empty: a watch --once with a value taken for good ends at once, exit 0
        self.watched.mkdir()
        self.text = root / "notes.mp3"
        self.text.write_text("not audio at all\n" * 20)
        self.empty = root / "empty.wav"
        self.empty.write_bytes(b"")
        self.binary = root / "binary.txt"
        self.binary.write_bytes(bytes(range(256)) * 4)
        self.broken_library = root / "library"
        self.broken_library.mkdir()
        (self.broken_library / "voices.json").write_text("{not json")
        self.tags = root / "terms.txt"
        self.tags.write_text("Subiaco\n<b>Zeiner</b>  # markup is not a term\n")
        self.out = root / "out"
        self.job_out = root / "job-out"
        self.backwards = root / "backwards.json"  # corrected transcripts that are not right
        self.backwards.write_text('{"segments": [{"start": 2.0, "end": 1.0, "text": " Hi"}]}')
        self.stranger = root / "stranger.json"
        self.stranger.write_text('{"segments": [{"start": 0, "end": 1, "text": " Hi", "speaker": "Zed"}]}')
        self.misspelt = root / "misspelt.json"
        self.misspelt.write_text(
            '{"segments": [{"start": 0, "end": 1, "text": " Hi", "words": [{"start": 0, "end": 1, "word": " Ho"}]}]}'
        )

    def bad_paths(self) -> list[str]:
        return [str(self.root / "missing.wav"), str(self.folder), str(self.clip / "below-a-file"), ""]


def ints(low: int, high: int | None, *, zero_ok: bool = False) -> st.SearchStrategy[str]:
    """Whole-number option values outside ``low..high``, and things that are not whole numbers."""
    below = st.integers(max_value=low - 1).filter(lambda v: zero_ok is False or v != 0)
    out = [below.map(str), st.sampled_from(["abc", "", "1.5", "nan", "0x", "--"])]
    if high is not None:
        out.append(st.integers(min_value=high + 1, max_value=high * 1000).map(str))
    return st.one_of(out)


def floats(low: float, high: float | None, *, low_ok: bool = True, high_ok: bool = True) -> st.SearchStrategy[str]:
    """Number option values outside ``low..high`` (either end itself refused unless ``*_ok``)."""
    out = [
        st.floats(max_value=low, exclude_max=low_ok, allow_infinity=False).map(repr),
        st.sampled_from(["nan", "-inf", "abc", "", "1,5"]),
    ]
    if high is not None:
        out.append(st.floats(min_value=high, exclude_min=high_ok, allow_infinity=False).map(repr))
    return st.one_of(out)


def not_one_of(choices: tuple[str, ...] | set[str]) -> st.SearchStrategy[str]:
    return st.text(max_size=12).filter(lambda s: s not in choices and not s.startswith("-"))


def bad_values(place: Place) -> dict[tuple[str, str], st.SearchStrategy[str]]:
    dir_paths = st.sampled_from([str(place.clip), str(place.clip / "below-a-file")])
    models = st.sampled_from(["", "huge-v9", str(place.root / "no-such-dir" / "model"), str(place.folder)])
    devices = st.sampled_from(["gpu", "cuda", "cuda:3", "", "cpu:1", "tpu:0", "metal"])
    threads = ints(0, MAX_THREADS)
    workers = ints(1, MAX_WORKERS)
    batch = ints(1, MAX_BATCH)
    compute = not_one_of(set(COMPUTE_TYPES))
    placement = {"model": models, "device": devices, "compute_type": compute}
    cues = {
        "max_line_width": ints(1, 1000),
        "max_line_count": ints(1, 1000),
        "max_words_per_line": ints(1, 1000),
        "max_cue_duration": floats(0.5, 60.0, low_ok=True),
        "subtitle_style": not_one_of({"cues", "none"}),
    }
    table = {
        **{("transcribe", k): v for k, v in placement.items()},
        **{("devices", k): v for k, v in placement.items()},
        **{("tune", k): v for k, v in placement.items()},
        **{("transcribe", k): v for k, v in cues.items()},
        **{("export", k): v for k, v in cues.items()},
        ("transcribe", "files"): st.sampled_from([*place.bad_paths(), str(place.text), str(place.empty)]),
        ("transcribe", "output_dir"): dir_paths,
        ("transcribe", "output_format"): st.sampled_from(["", "pdf", "txt,pdf", ",", "all,txt"]),
        ("transcribe", "quality"): not_one_of({"fast", "balanced", "best"}),
        ("transcribe", "deadline"): st.sampled_from(["0", "0s", "0m", "-5", "abc", "", "1x", "h"]),
        ("transcribe", "ray"): st.just(""),
        ("transcribe", "ray_audio"): not_one_of({"auto", "arrays"}),
        ("transcribe", "job_dir"): dir_paths,
        ("transcribe", "feed_dir"): dir_paths,
        ("transcribe", "latest"): ints(1, None),
        ("transcribe", "since"): st.sampled_from(["", "yesterday", "2026-13-01", "2026-02-30", "06/12/2026", "2026"]),
        ("transcribe", "download_timeout"): floats(0.0, None, low_ok=False),
        ("transcribe", "threads"): threads,
        ("transcribe", "workers"): workers,
        ("transcribe", "language"): st.sampled_from(["english", "x", "12", "", "e n", "deutsch"]),
        ("transcribe", "task"): not_one_of({"transcribe", "translate"}),
        ("transcribe", "beam_size"): ints(1, MAX_BEAM),
        ("transcribe", "best_of"): ints(1, MAX_BEAM),
        ("transcribe", "batch_size"): batch,
        ("transcribe", "temperature_increment_on_fallback"): st.one_of(
            floats(0.0, 1.0, low_ok=True), st.floats(min_value=1e-9, max_value=0.049).map(repr)
        ),
        ("transcribe", "vad_threshold"): floats(0.0, 1.0, low_ok=False, high_ok=False),
        ("transcribe", "chunk_size"): floats(1.0, 30.0),
        ("transcribe", "timestamps"): not_one_of({"aligned", "decoded"}),
        ("transcribe", "diarize"): not_one_of({"speakers", "channels"}),
        ("transcribe", "num_speakers"): ints(1, 64),
        ("transcribe", "min_speakers"): ints(1, 64),
        ("transcribe", "max_speakers"): ints(1, 64),
        ("transcribe", "speaker_names"): st.sampled_from(["", ",", "Ana,,Ben", "Ana,Ana", " , "]),
        ("transcribe", "diarization_models"): st.sampled_from([str(place.clip), str(place.folder), ""]),
        ("transcribe", "voices"): st.sampled_from([",", "Ana,,Ben", " , ", "Ana, "]),
        ("transcribe", "voice_library"): st.sampled_from([str(place.clip), str(place.folder), ""]),
        ("serve", "voice_library"): st.sampled_from([*place.bad_paths(), str(place.broken_library)]),
        ("transcribe", "vocabulary"): st.sampled_from(
            ["", ",", "Subiaco,,Zeiner", "a<b", "<|endoftext|>", "x" * 101, ",".join(f"t{i}" for i in range(201))]
        ),
        ("transcribe", "vocabulary_file"): st.sampled_from([*place.bad_paths(), str(place.binary), str(place.tags)]),
        ("export", "voices"): st.sampled_from([",", "Ana,,Ben", " , ", "Ana, "]),
        ("export", "voice_library"): st.sampled_from([str(place.clip), str(place.folder), ""]),
        ("export", "rename"): st.sampled_from(["Ana", "=Ana", "SPEAKER_00=", "SPEAKER_07=Ana", ""]),
        ("devices", "batch_size"): batch,
        ("devices", "workers"): workers,
        ("devices", "threads"): threads,
        ("export", "target"): st.sampled_from([str(place.root / "never.wav"), "0123456789abcdef0123", ""]),
        ("export", "output_dir"): dir_paths,
        ("export", "output_format"): st.sampled_from(["", "pdf", "txt,pdf", ","]),
        ("export", "revision"): st.sampled_from(["-1", "abc", "", "1.5", "7"]),
        ("export", "apply"): st.sampled_from(
            [
                *place.bad_paths(),
                str(place.text),
                str(place.binary),
                str(place.broken_library / "voices.json"),
                str(place.backwards),
                str(place.stranger),
                str(place.misspelt),
            ]
        ),  # fmt: skip
        ("export", "job_dir"): st.sampled_from([*place.bad_paths(), str(place.clip)]),
        ("bench", "file"): st.sampled_from([*place.bad_paths(), str(place.text), str(place.empty)]),
        ("bench", "reference"): st.sampled_from([*place.bad_paths(), str(place.binary)]),
        ("bench", "model"): st.sampled_from(["", "   "]),
        ("bench", "language"): st.sampled_from(["english", "", "1", "x"]),
        ("bench", "limit"): floats(0.0, None, low_ok=False),
        ("bench", "config"): st.sampled_from(
            ["--beam-size 0", "--nonsense", "'unclosed", "--threads -1", "--vad-threshold 7"]
        ),
        ("bench", "baselines"): st.sampled_from(["sequental", "batched,nope", "gpu"]),
        ("bench", "repeat"): ints(1, 20),
        ("bench", "json"): st.sampled_from([str(place.folder), str(place.clip / "below-a-file.json")]),
        ("bench", "plot"): st.sampled_from([str(place.folder), str(place.clip / "below-a-file.png")]),
        ("tune", "sample"): st.sampled_from([*place.bad_paths(), str(place.text), str(place.empty)]),
        **{("serve", k): v for k, v in placement.items()},
        ("serve", "threads"): threads,
        ("serve", "workers"): workers,
        ("serve", "beam_size"): ints(1, MAX_BEAM),
        ("serve", "host"): st.sampled_from(["0.0.0.0", "example.org", "192.168.1.5", "::", ""]),
        ("serve", "port"): ints(0, 65535),
        ("serve", "api_key"): st.sampled_from(["", " ", "two words", "tab\there"]),
        ("serve", "api_key_file"): st.sampled_from([*place.bad_paths(), str(place.empty), str(place.binary)]),
        ("serve", "data_dir"): st.sampled_from([str(place.clip), str(place.clip / "below-a-file"), ""]),
        ("serve", "max_upload"): st.sampled_from(["", "0", "abc", "4XB", "-1", "nan", "1e30", "5 GBs"]),
        ("serve", "jobs"): ints(1, 16),
        ("serve", "max_queue"): ints(1, 100_000),
        ("serve", "max_jobs_kept"): ints(1, None),
        ("serve", "keep_days"): floats(0.0, None, low_ok=False),
        ("serve", "cors_origin"): st.sampled_from(["*", "example.org", "http://a/b", "", "javascript:alert(1)"]),
        ("serve", "allow_url_hosts"): st.sampled_from(["", "a b", "http://x", "user@host", "10.0.0.0/33", "x,,y"]),
        ("serve", "url_max_seconds"): floats(0.0, None, low_ok=False),
        ("serve", "max_live_sessions"): ints(1, 1000),
        ("serve", "live_max_seconds"): floats(0.0, None, low_ok=False),
        ("watch", "in_dir"): st.sampled_from(
            [p for p in place.bad_paths() if p != str(place.folder)] + [str(place.clip)]
        ),
        ("watch", "settle"): floats(0.0, 86_400.0),
        ("watch", "scan_interval"): floats(0.1, 86_400.0),
        ("watch", "retries"): ints(0, 100, zero_ok=True),
    }
    shared = {dest for dest in options_of("watch") if dest in options_of("transcribe")}
    table |= {("watch", dest): v for (command, dest), v in table.items() if command == "transcribe" and dest in shared}
    return table


def base_argv(command: str, place: Place) -> list[str]:
    """Valid arguments for everything but the option under test."""
    return {
        "transcribe": [
            str(place.clip),
            "-o",
            str(place.out),
            "--model",
            "tiny.en",
            "--language",
            "en",
            "--diarize",
            "speakers",
        ],  # fmt: skip
        "devices": ["--model", "tiny.en"],
        "export": [str(place.clip), "-o", str(place.out), "--job-dir", str(place.job_out / ".longscribe")],
        "bench": [str(place.clip), "--reference", str(place.reference), "--model", "tiny.en", "--no-baselines"],
        "tune": ["--model", "tiny.en", "--sample", str(place.clip)],
        "serve": ["--model", "tiny.en", "--port", "0", "--data-dir", str(place.root / "serve-data"), "--allow-url"],
        "watch": [str(place.watched), "-o", str(place.out), "--model", "tiny.en", "--once", "--settle", "0"],
    }[command]


@functools.cache
def options_of(command: str) -> dict[str, Any]:
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    return {a.dest: a for a in sub._actions if type(a).__name__ not in FLAGS and a.dest != "help"}


COMMANDS = ("transcribe", "devices", "export", "bench", "tune", "serve", "watch")


def argv_with(command: str, dest: str, value: str, place: Place) -> list[str]:
    action = options_of(command)[dest]
    argv = base_argv(command, place)
    if not action.option_strings:  # the positional: the first argument
        return [command, value, *argv[1:]]
    flag = action.option_strings[-1] if action.option_strings[-1].startswith("--") else action.option_strings[0]
    for i, arg in enumerate(argv):
        if arg in action.option_strings:
            return [command, *argv[:i], f"{flag}={value}", *argv[i + 2 :]]
    return [command, *argv, f"{flag}={value}"]


class Tripped(BaseException):
    """Not an Exception: the command's last-resort handler must not turn it into an error line."""


@contextlib.contextmanager
def no_real_work() -> Iterator[None]:
    def tripwire(*args: object, **kwargs: object) -> object:
        raise Tripped("a run started: a bad value was taken for a good one")

    with (
        mock.patch("longscribe.engines.factory.build_engine", lambda run: FakeEngine()),
        mock.patch("longscribe.benchmarks.runner.run_bench", tripwire),
        mock.patch("longscribe.placement.tuning.tune", tripwire),
        mock.patch("longscribe.cli.serve._bind", tripwire),
    ):
        yield


@pytest.fixture(scope="module")
def place() -> Iterator[Place]:
    root = Path(tempfile.mkdtemp(prefix="longscribe-bad-values-"))
    place = Place(root)
    with no_real_work():  # a finished job, for export
        code = main(["transcribe", str(place.clip), "-o", str(place.job_out), "--model", "tiny.en", "-f", "txt"], {})
    assert code == 0
    yield place
    shutil.rmtree(root, ignore_errors=True)


def run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with no_real_work(), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv, {})
        except SystemExit as exc:  # --help and --version only
            code = int(exc.code or 0)
        except Tripped as exc:
            raise AssertionError(f"{argv}: {exc}") from None
    return code, err.getvalue()


def test_every_option_of_every_command_has_bad_values_here(place: Place) -> None:
    table = bad_values(place)
    for command in COMMANDS:
        for dest in options_of(command):
            assert (command, dest) in table or (command, dest) in FREE_TEXT, f"{command} --{dest}: no bad values"


@st.composite
def bad_command_lines(draw: st.DrawFn, place: Place) -> tuple[str, str, list[str]]:
    table = bad_values(place)
    command, dest = draw(st.sampled_from(sorted(table)))
    value = draw(table[(command, dest)])
    return command, dest, argv_with(command, dest, value, place)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_bad_value_is_one_line_and_a_failing_exit_and_leaves_nothing(place: Place, data: st.DataObject) -> None:
    command, dest, argv = data.draw(bad_command_lines(place))
    shutil.rmtree(place.out, ignore_errors=True)
    code, stderr = run(argv)
    lines = stderr.strip().splitlines()
    assert code in (1, 2), (argv, code, stderr)
    assert "Traceback" not in stderr and 1 <= len(lines) <= 3, (argv, stderr)
    assert any(line.startswith("longscribe: error: ") for line in lines), (argv, stderr)
    left = [p for p in place.out.rglob("*") if p.is_file()] if place.out.exists() else []
    assert not left, (argv, left)


def test_more_threads_than_cores_are_cut_with_a_warning_and_the_run_goes_on(place: Place) -> None:
    shutil.rmtree(place.out, ignore_errors=True)
    code, stderr = run(["transcribe", str(place.clip), "-o", str(place.out), "--model", "tiny.en", "--threads", "999"])
    assert code == 0, stderr
    assert "longscribe: warning: " in stderr and "999 thread(s) is more than" in stderr


def test_numbers_that_fit_are_taken(place: Place) -> None:
    shutil.rmtree(place.out, ignore_errors=True)
    argv = ["transcribe", str(place.clip), "-o", str(place.out), "--model", "tiny.en", "--beam-size", "2",
            "--temperature-increment-on-fallback", "0", "--chunk-size", "12.5", "--deadline", "90s"]  # fmt: skip
    code, stderr = run(argv)
    assert code == 0, stderr


def test_no_command_or_an_unknown_one_is_a_usage_line() -> None:
    for argv in ([], ["transcrbe", "x.wav"]):
        code, stderr = run(argv)
        assert code == 2 and len(stderr.strip().splitlines()) == 1 and "see longscribe --help" in stderr
