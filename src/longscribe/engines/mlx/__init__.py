"""The MLX engine (``longscribe[apple]``): Apple GPUs through Metal, MLX's CPU backend elsewhere.

Import ``longscribe.engines.mlx.mlx_engine`` only when MLX is wanted; every
module here imports MLX through :func:`runtime.import_mlx`.
"""
