"""What the commands print on stderr: one unwrapped line per error or warning; tracebacks only with --debug."""

from __future__ import annotations

from rich.console import Console


def stderr_console() -> Console:
    """A console for stderr that never wraps a line (a message stays one line, whatever the terminal)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def one_line(message: object) -> str:
    """``message`` with its line breaks (from a library's error text) folded into spaces."""
    return " ".join(str(message).split())


def print_error(message: object, console: Console | None = None) -> None:
    (console or stderr_console()).print(f"longscribe: error: {one_line(message)}", markup=False)


def print_warning(message: object, console: Console | None = None) -> None:
    (console or stderr_console()).print(f"longscribe: warning: {one_line(message)}", markup=False)
