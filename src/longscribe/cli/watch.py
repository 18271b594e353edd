"""``longscribe watch IN_DIR -o OUT_DIR``: transcribe every recording that appears in a folder.

Each file goes through the job store like ``transcribe``'s: a file transcribed before (the same
size and modification time) is not done again after a restart, and one killed half-way resumes.
A file that fails is tried again after a back-off; after the last try it is listed in
``OUT_DIR/failed/`` and left alone until it changes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from longscribe.cli.console import print_error, stderr_console
from longscribe.cli.environment import Environment
from longscribe.cli.inputs import MEDIA_SUFFIXES
from longscribe.cli.interrupt import EXIT_INTERRUPTED, ctrl_c
from longscribe.cli.progress import ProgressBar
from longscribe.cli.targets import Target
from longscribe.cli.transcribe import (
    FileRun,
    RunFlags,
    add_run_arguments,
    check_job_dir,
    load_model,
    settings_from_args,
)
from longscribe.errors import LongscribeError
from longscribe.jobs import JobStore
from longscribe.jobs.store import COMPLETE, INCOMPLETE, JOB_DIR
from longscribe.pipeline import Transcriber
from longscribe.sources import safe_name
from longscribe.sources.folder import FolderWatch, Version, WatchOptions
from longscribe.writers import check_output_dir

FAILED_DIR = "failed"
"""Inside the output folder: one note per file given up on."""
EXAMPLES = """examples:
  longscribe watch inbox -o transcripts                     every recording that lands in inbox/
  longscribe watch /mnt/share/meetings -o out --recursive --diarize -f txt,srt
  longscribe watch inbox -o transcripts --once              what is there now, then stop (cron)
"""


def add_watch_parser(sub: Any) -> None:
    p = sub.add_parser(
        "watch",
        help="transcribe each recording that appears in a folder",
        description="Transcribe every audio/video file that appears in a folder, once it has stopped growing.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("in_dir", metavar="IN_DIR", help="the folder to watch")
    watching = p.add_argument_group("watching")
    watching.add_argument(
        "--recursive", action="store_true", help="subfolders too (outputs in the same subfolders of OUTPUT_DIR)"
    )
    watching.add_argument(
        "--settle",
        type=float,
        default=WatchOptions.settle,
        metavar="SECONDS",
        help=f"pick a file up once unchanged this long (default: {WatchOptions.settle:g})",
    )
    watching.add_argument(
        "--scan-interval",
        type=float,
        default=WatchOptions.scan_interval,
        metavar="SECONDS",
        help=f"look through the folder this often, besides file events (default: {WatchOptions.scan_interval:g})",
    )
    watching.add_argument(
        "--retries",
        type=int,
        default=WatchOptions.retries,
        metavar="N",
        help=f"tries after a failure before a file is listed in OUTPUT_DIR/{FAILED_DIR}"
        f" (default: {WatchOptions.retries})",
    )
    watching.add_argument("--once", action="store_true", help="transcribe what is there, then stop (for cron)")
    add_run_arguments(p, remote=False)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    try:
        formats, options, how = settings_from_args(args, env)
        watching = WatchOptions(args.settle, args.scan_interval, args.retries, args.recursive, args.once)
    except (LongscribeError, ValueError) as exc:
        print_error(exc, console)
        return 2
    in_dir, out_dir = Path(args.in_dir), Path(args.output_dir)
    job_dir = Path(args.job_dir) if args.job_dir else out_dir / JOB_DIR
    if not args.in_dir.strip() or not in_dir.is_dir():  # Path("") is the current folder: never by accident
        print_error(f"{args.in_dir!r}: not a folder" if not args.in_dir.strip() else f"{in_dir}: not a folder", console)
        return 1
    try:
        check_output_dir(out_dir)
        check_job_dir(job_dir)
    except LongscribeError as exc:
        print_error(exc, console)
        return 1
    transcriber = Transcriber(options)
    code = load_model(transcriber, args, env, console, None)
    if code:
        return code
    files = FileRun(transcriber, job_dir, formats, how, RunFlags.from_args(args), console)
    watch = FolderWatch(in_dir, watching, _is_media, skip=[out_dir, job_dir])
    failed = FailedList(out_dir / FAILED_DIR, watch.folder)
    where = f"{in_dir}{' and its subfolders' if args.recursive else ''}"
    _say(console, args, f"transcribing what is in {where}" if args.once else f"watching {where} (Ctrl-C stops)")
    watch.start()
    given_up = 0
    try:
        with ctrl_c(files.say), ProgressBar(console, enabled=not args.quiet) as bar:
            while True:
                for path, version in watch.ready():
                    if _done(files.store, path, version) or failed.holds(path, version):
                        watch.handled(path, version)
                        continue
                    result = files.one(Target(str(path), *_place(path, watch.folder, out_dir)), bar)
                    if result.status in ("interrupted", "model-error"):
                        return EXIT_INTERRUPTED if result.status == "interrupted" else 1
                    if result.status in ("ok", "incomplete", "skipped"):
                        failed.clear(path)
                        watch.handled(path, version)
                    elif watch.retry(path):
                        _say(console, args, f"{path}: will try again later")
                    else:
                        note = failed.add(path, version, result.detail)
                        print_error(f"{path}: given up after {watching.retries + 1} tries; see {note}", console)
                        watch.handled(path, version)
                        given_up += 1
                if watching.once and not watch.pending:
                    return 1 if given_up else 0
                watch.wait(0.5)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        watch.stop()
        files.close()


class FailedList:
    """``OUTPUT_DIR/failed/``: a note per file given up on (its path, version and last error)."""

    def __init__(self, folder: Path, watched: Path) -> None:
        self.folder, self.watched = folder, watched

    def add(self, path: Path, version: Version, problem: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        note = self._note(path)
        note.write_text(f"{path}\n{version[0]} {version[1]}\n{problem}\n", encoding="utf-8")
        return note

    def holds(self, path: Path, version: Version) -> bool:
        """Given up on at this version (a changed file is tried again)."""
        try:
            lines = self._note(path).read_text(encoding="utf-8").splitlines()
        except OSError:
            return False
        return len(lines) >= 2 and lines[1] == f"{version[0]} {version[1]}"

    def clear(self, path: Path) -> None:
        self._note(path).unlink(missing_ok=True)

    def _note(self, path: Path) -> Path:
        relative = path.relative_to(self.watched).as_posix().replace("/", "_")
        return self.folder / f"{safe_name(relative, fallback='file')}.txt"


def _is_media(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_SUFFIXES


def _done(store: JobStore, path: Path, version: Version) -> bool:
    """Transcribed and written before, at this version."""
    job = store.find(str(path.resolve()))
    if job is None or job.status not in (COMPLETE, INCOMPLETE):
        return False
    return (job.fingerprint.get("size"), job.fingerprint.get("mtime_ns")) == version


def _place(path: Path, in_dir: Path, out_dir: Path) -> tuple[str, Path]:
    """The output name and folder: the file's stem (its whole name when a neighbour shares the stem),
    in the subfolder of ``out_dir`` that matches its place under ``in_dir``."""
    relative = path.relative_to(in_dir)
    twins = [p for p in path.parent.glob(f"{path.stem}.*") if p != path and _is_media(p)]
    return (path.name if twins else path.stem), out_dir / relative.parent


def _say(console: Console, args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        console.print(text, markup=False)
