"""Fault injection for tests that kill a real process at an exact point.

``LONGSCRIBE_FAILPOINTS="outputs-rename=sleep:3"`` makes :func:`hit` sleep 3 s
at the named point (``exit:N`` ends the process with code N at once, skipping
cleanup). Unset, :func:`hit` does nothing.
"""

from __future__ import annotations

import os
import time

ENV = "LONGSCRIBE_FAILPOINTS"


def hit(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    for entry in spec.split(","):
        point, _, action = entry.partition("=")
        if point.strip() != name:
            continue
        kind, _, value = action.partition(":")
        if kind == "sleep":
            time.sleep(float(value or 1))
        elif kind == "exit":
            os._exit(int(value or 99))
