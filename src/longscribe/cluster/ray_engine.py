"""Ray: connect, and start the actors :mod:`longscribe.placement.actors` sized (one loaded model each).

An actor that dies loses only the batch it held: that batch goes to another
actor (:mod:`longscribe.cluster.remote`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from longscribe.cluster.remote import ClusterEngine
from longscribe.cluster.worker import EngineWorker, WorkerSpec
from longscribe.errors import LongscribeError, OptionsError
from longscribe.models import ResolvedModel
from longscribe.options import TranscribeOptions
from longscribe.placement.actors import ActorPlan

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'longscribe[ray]'"


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise OptionsError(f"--ray needs Ray, which is not installed: {INSTALL_HINT}") from exc
    return ray


def connect(address: str) -> Any:
    """``local``: start a Ray on this machine; ``auto``: the running cluster ($RAY_ADDRESS); else its address.

    Ray reports usage statistics unless its ``RAY_USAGE_STATS_ENABLED`` says otherwise, and
    has no other switch for it: unless the caller has set it, this sets it to 0 first.
    """
    ray = import_ray()
    if ray.is_initialized():
        return ray
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    kwargs: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        if address == "local":
            ray.init(_node_ip_address="127.0.0.1", **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise LongscribeError(f"cannot reach a Ray cluster at {address!r}: {exc}") from exc
    return ray


class RayEngine(ClusterEngine):
    """One actor per plan, each holding a loaded engine; closed actors are killed."""

    def __init__(self, ray: Any, model: ResolvedModel, options: TranscribeOptions, plans: Sequence[ActorPlan]) -> None:
        """``model``: as the driver resolved it (a node without its path resolves the name itself)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        self._ray = ray
        remote = ray.remote(EngineWorker)
        spec = WorkerSpec(model.path, model.name, options, 0, False)
        handles = [
            remote.options(
                num_cpus=p.num_cpus,
                num_gpus=p.num_gpus,
                scheduling_strategy=NodeAffinitySchedulingStrategy(p.node_id, soft=True),
                max_restarts=0,
            ).remote(replace(spec, threads=p.threads, gpu=bool(p.num_gpus)))
            for p in plans
        ]
        super().__init__(handles, _lost_errors(ray), self._remote_call, send_audio=options.ray_audio == "arrays")
        log.info("Ray: %d actor(s) with %s on %s/%s", self.size, self.name, self.device, self.compute_type)

    def _remote_call(self, handle: Any, method: str, *args: Any) -> Any:
        return self._ray.get(getattr(handle, method).remote(*args))

    def close(self) -> None:
        for handle in self.workers.alive_handles():
            try:
                self._ray.kill(handle)
            except Exception:  # already gone
                pass


def _lost_errors(ray: Any) -> tuple[type[BaseException], ...]:
    names = ("RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError", "NodeDiedError")
    return tuple(getattr(ray.exceptions, n) for n in names if hasattr(ray.exceptions, n))
