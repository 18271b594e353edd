"""Model name -> complete model dir (path, bundled package, hub); pool of loaded engines."""

from longscribe.models.resolve import ResolvedModel, cache_dir, resolve_model

__all__ = ["ResolvedModel", "cache_dir", "resolve_model"]
