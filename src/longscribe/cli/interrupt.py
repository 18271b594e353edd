"""Ctrl-C during a command: said at once, stopped within seconds, a second one ends it at once."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_INTERRUPTED = 130
STOPPING = "stopping: saving finished chunks… (Ctrl-C again to quit at once)"
ENDING = "ending the stream: writing what was said… (Ctrl-C again to quit at once)"


@contextmanager
def ctrl_c(say: Callable[[str], None], stop: Callable[[], None] | None = None) -> Iterator[None]:
    """While the block runs, the first Ctrl-C says :data:`STOPPING` and raises ``KeyboardInterrupt``
    (the pipeline stops without waiting for the decodes in flight; the chunks committed stay in the
    job store). A second one ends the process at once: the job store is as safe as after kill -9.

    With ``stop`` (a live stream), the first Ctrl-C calls it instead of raising: the stream ends and
    what was heard is still written.

    Nothing changes where Ctrl-C is ignored (a background job) or off the main thread (a call from
    Python that is not the command's own).
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) in (
        signal.SIG_IGN,
        None,
    ):
        yield
        return
    heard = 0

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal heard
        heard += 1
        if heard > 1:
            os.write(2, b"\nlongscribe: stopped\n")
            os._exit(EXIT_INTERRUPTED)
        if stop is not None:
            say(ENDING)
            stop()
            return
        say(STOPPING)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
