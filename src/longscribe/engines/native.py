"""Where CTranslate2's own shared library lies (its wheel bundles it, with Intel MKL linked in)."""

from __future__ import annotations

import glob
import os
from importlib import util


def ctranslate2_libraries() -> list[str]:
    """Paths of ``libctranslate2*.so*`` in the installed ctranslate2 wheel (without importing it); [] if none."""
    try:
        spec = util.find_spec("ctranslate2")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    root = os.path.dirname(next(iter(spec.submodule_search_locations)))
    return sorted(glob.glob(os.path.join(root, "ctranslate2.libs", "libctranslate2*.so*")))
