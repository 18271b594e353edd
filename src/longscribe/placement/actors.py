"""A run on a Ray cluster: how many actors on which node, and the plan the driver runs them with.

Each actor plans its own node with :func:`~longscribe.placement.plan.plan` when it starts (its
hardware is not the driver's); the driver's plan for the cluster is then made once from what
the actors report, here, and never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from longscribe.errors import LongscribeError
from longscribe.options import TranscribeOptions
from longscribe.placement.plan import RunPlan


@dataclass(frozen=True)
class ActorPlan:
    node_id: str
    num_cpus: float
    num_gpus: float
    threads: int


def plan_actors(nodes: Sequence[Mapping[str, Any]], options: TranscribeOptions) -> list[ActorPlan]:
    """One actor per GPU; on CPU-only nodes one per ``cpu_threads`` cores (default 1: 2 x 1 beats 1 x 2).

    ``options.workers`` caps the total. A device of cpu/mlx-cpu ignores GPUs.
    """
    threads = max(1, options.cpu_threads)
    use_gpus = options.device not in ("cpu", "mlx-cpu")
    plans: list[ActorPlan] = []
    for node in nodes:
        if not node.get("Alive", True):
            continue
        resources = node.get("Resources", {})
        gpus = int(resources.get("GPU", 0)) if use_gpus else 0
        cpus = int(resources.get("CPU", 0))
        if gpus:
            plans += [ActorPlan(node["NodeID"], 1, 1, 0) for _ in range(gpus)]
        else:
            plans += [ActorPlan(node["NodeID"], threads, 0, threads) for _ in range(max(1, cpus // threads))]
    if options.workers:
        plans = plans[: options.workers]
    if not plans:
        raise LongscribeError("the Ray cluster has no alive node with CPUs or GPUs")
    return plans


def cluster_plan(run: RunPlan, options: TranscribeOptions, described: Sequence[Mapping[str, Any]]) -> RunPlan:
    """The driver's plan over started actors (``described``: what each reported of itself): one
    worker per actor, the first actor's device and type, and the smallest batch any actor planned
    unless ``options`` give one."""
    first = described[0]
    nodes = len({d["node"] for d in described})
    reason = f"Ray ({options.ray}): {len(described)} actor(s) on {nodes} node(s)"
    placement = replace(
        run.placement,
        engine="ray",
        device=first["device"],
        compute_type=first["compute_type"],
        workers=len(described),
        batch_size=options.batch_size or min(int(d["batch_size"]) for d in described),
        reasons=(*run.placement.reasons, reason),
    )
    return replace(run, placement=placement)
