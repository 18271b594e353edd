"""Speakers of a multi-channel recording where each channel carries one voice (calls, studio tracks).

Each channel's loudness is measured on the 10 ms grid; a channel speaks where it is well above
its own noise floor and not far below the loudest channel (the others only carry its bleed).
Exact where the channels are separate, and about as cheap as decoding the file.
"""

from __future__ import annotations

import numpy as np

from longscribe.audio import AudioStream, Source, source_name
from longscribe.diarize.turns import GRID, Turn, runs_to_turns
from longscribe.errors import AudioDecodeError
from longscribe.options import DiarizeOptions
from longscribe.types import SAMPLE_RATE

ABOVE_FLOOR_DB = 15.0
"""How far above its quietest tenth a channel must be to count as speaking."""
BELOW_LOUDEST_DB = 6.0
"""A second channel speaks at the same time only if it is this close to the loudest."""
SILENCE_DB = -60.0
GAP_SECONDS = 0.3
"""Pauses between syllables shorter than this do not end a turn."""
BLOCK = 30 * SAMPLE_RATE
"""Samples decoded at a time (a whole number of grid cells)."""
SAME_CHANNELS = 0.02
"""Channels whose difference carries less than this share of their level are one mix, not voices."""


def check_channels(path: str, channels: int) -> None:
    if channels < 2:
        raise AudioDecodeError(path, "has one channel: speakers by channel need two or more (use --diarize)")


def channel_turns(path: Source, options: DiarizeOptions) -> list[Turn]:
    """One decode pass over ``path``, its channels kept: the turns, a speaker per channel that speaks."""
    levels: list[np.ndarray] = []
    difference = level = 0.0
    with AudioStream(path, keep_channels=True) as stream:
        check_channels(source_name(path), stream.channels)
        for window in stream.windows(BLOCK):
            cells = -(-len(window) // GRID)
            padded = np.zeros((cells * GRID, window.shape[1]), dtype=np.float32)
            padded[: len(window)] = window
            power = np.mean(padded.reshape(cells, GRID, -1) ** 2, axis=1)
            levels.append(10 * np.log10(power + 1e-12).astype(np.float32))
            difference += float(np.abs(window - window[:, :1]).sum())
            level += float(np.abs(window).sum())
        total = stream.decoded
    if level > 0 and difference < SAME_CHANNELS * level:
        raise AudioDecodeError(
            source_name(path),
            "its channels carry the same sound: speakers by channel need one voice per channel (use --diarize)",
        )
    if not levels:
        return []
    db = np.concatenate(levels)
    floor = np.percentile(db, 10, axis=0)
    loud = (db > floor + ABOVE_FLOOR_DB) & (db > SILENCE_DB)
    active = loud & (db >= db.max(axis=1, keepdims=True) - BELOW_LOUDEST_DB)
    gap = max(options.fill_gap_seconds, GAP_SECONDS)
    return runs_to_turns(active, total, gap_seconds=gap, shortest_seconds=options.min_turn_seconds)
