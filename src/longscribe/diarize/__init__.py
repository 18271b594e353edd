"""Who speaks when: speaker turns of a recording of any length, on onnxruntime, in flat memory.

``Diarizer`` takes the audio as it streams (any block size) and keeps only what is small:
per 10-second window, each local speaker's activity on a 10 ms grid and a 192-number voice
embedding. ``finish()`` clusters every embedding at once, so a speaker keeps one label
across hours, and returns the turns. Models: pyannote's segmentation-3.0 and 3D-Speaker's
CAM++ (``models/README.md``), run with onnxruntime; nothing is downloaded.
"""

from longscribe.diarize.turns import Diarizer, Turn
from longscribe.options import DiarizeOptions

__all__ = ["DiarizeOptions", "Diarizer", "Turn"]
