"""Import MLX once, with a fast BLAS under its Linux CPU backend.

The ``mlx[cpu]`` wheel for Linux links the reference (netlib) BLAS, an order of
magnitude slower than an optimised one (docs/apple.md). CTranslate2's wheel,
which longscribe always has, exports MKL's ``cblas_sgemm``; loaded into the
global symbol scope before MLX, it serves MLX's matrix products. Nothing of this
happens on macOS, where MLX uses Accelerate and Metal.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import sys
from importlib import util
from types import ModuleType

log = logging.getLogger(__name__)

_blas: str | None = None


def available() -> bool:
    """MLX is installed (without importing it)."""
    try:
        return util.find_spec("mlx") is not None and util.find_spec("mlx.core") is not None
    except (ImportError, ValueError):
        return False


def blas() -> str:
    """Which BLAS MLX's CPU backend uses in this process."""
    return _blas or ("Accelerate" if sys.platform == "darwin" else "bundled reference BLAS")


def import_mlx() -> ModuleType:
    """``mlx.core``, imported after a fast BLAS has been made global (Linux)."""
    global _blas
    if sys.platform.startswith("linux"):
        if "mlx.core" not in sys.modules:
            _blas = _preload_fast_blas()
        elif _blas is None:
            log.warning("MLX was imported before longscribe: its CPU backend keeps the slow reference BLAS")
    import mlx.core as mx

    return mx


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


def _preload_fast_blas() -> str | None:
    for path in ctranslate2_libraries():
        try:
            lib = ctypes.CDLL(path, mode=os.RTLD_GLOBAL)
        except OSError as exc:
            log.debug("cannot load %s: %s", path, exc)
            continue
        if hasattr(lib, "cblas_sgemm"):
            log.info("MLX CPU backend: cblas_sgemm from %s (MKL)", os.path.basename(path))
            return f"MKL from {os.path.basename(path)}"
    return None
