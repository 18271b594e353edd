"""An engine for a plan: CTranslate2 or MLX, loaded with the plan's device, type and workers."""

from __future__ import annotations

from longscribe.engines.base import Engine
from longscribe.placement import RunPlan


def build_engine(run: RunPlan) -> Engine:
    """Load the plan's model on the plan's device (also what each Ray actor does on its node)."""
    placement = run.placement
    if placement.engine == "mlx":
        from longscribe.engines.mlx.mlx_engine import MlxEngine

        return MlxEngine(
            run.model.path, device=placement.device, compute_type=placement.compute_type, cache=str(run.cache)
        )
    from longscribe.engines.ct2 import Ct2Engine

    return Ct2Engine(
        run.model.path,
        device=placement.device,
        device_index=placement.device_index,
        compute_type=placement.compute_type,
        cpu_threads=placement.threads,
        workers=placement.workers,
    )
