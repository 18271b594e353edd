"""The ``LONGSCRIBE_*`` variables: read once, by the command, and turned into options.

The library takes options only; this is the one place the package reads them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEVICE = "LONGSCRIBE_DEVICE"
COMPUTE_TYPE = "LONGSCRIBE_COMPUTE_TYPE"
CACHE_DIR = "LONGSCRIBE_CACHE_DIR"
MALLOC_TUNING = "LONGSCRIBE_MALLOC_TUNING"
API_KEY = "LONGSCRIBE_API_KEY"
OFF = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Environment:
    device: str | None = None
    """Default for ``--device``."""
    compute_type: str | None = None
    """Default for ``--compute-type``."""
    cache_dir: str | None = None
    """Where assembled models and tuning results go (default: the user cache)."""
    malloc_tuning: bool = True
    """Apply :mod:`longscribe.memory`'s malloc settings at start."""
    api_key: str | None = None
    """Default for ``serve --api-key`` (a key on the command line shows in the process list)."""

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        env = os.environ if environ is None else environ

        def value(key: str) -> str | None:
            text = env.get(key, "").strip()
            return text or None

        device = value(DEVICE)
        compute_type = value(COMPUTE_TYPE)
        return cls(
            device=device.lower() if device else None,
            compute_type=compute_type.lower() if compute_type else None,
            cache_dir=value(CACHE_DIR),
            malloc_tuning=(value(MALLOC_TUNING) or "1").lower() not in OFF,
            api_key=value(API_KEY),
        )

    def sources(self, device_flag: str | None, compute_type_flag: str | None) -> str:
        """Which of device and compute type came from here rather than a flag, for an error about them."""
        taken = []
        if device_flag is None and self.device:
            taken.append(f"device {self.device} from ${DEVICE}")
        if compute_type_flag is None and self.compute_type:
            taken.append(f"compute type {self.compute_type} from ${COMPUTE_TYPE}")
        return f" ({'; '.join(taken)})" if taken else ""
