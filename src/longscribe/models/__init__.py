"""Model name -> complete model dir (a path, a bundled package, the hub), and the catalog of known models."""

from longscribe.models.resolve import ResolvedModel, cache_dir, resolve_model

__all__ = ["ResolvedModel", "cache_dir", "resolve_model"]
