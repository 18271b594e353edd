"""Placement: the hardware here, and one plan per run (model, engine, device, compute type, batch, workers)."""

from longscribe.placement.hardware import Hardware, detect
from longscribe.placement.placing import Placement, available_devices
from longscribe.placement.plan import RunPlan, after_oom, plan

__all__ = ["Hardware", "Placement", "RunPlan", "after_oom", "available_devices", "detect", "plan"]
