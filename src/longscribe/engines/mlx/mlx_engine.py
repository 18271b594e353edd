"""The MLX engine: Whisper on Apple GPUs (Metal), and on MLX's CPU backend elsewhere.

Same protocol as the CTranslate2 engine: a batch of chunks is encoded at
once, decoded together (beam search, or seeded sampling for the fallback's
retries), words aligned from cross-attention when asked. Features,
tokenizer and prompts are faster-whisper's, as for the CTranslate2 engine,
so both engines see identical inputs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from longscribe.engines.base import DecodeRequest
from longscribe.engines.features import LogMel
from longscribe.engines.mlx import align, decoding
from longscribe.engines.mlx.network import Dims, Whisper
from longscribe.engines.mlx.runtime import blas, import_mlx
from longscribe.engines.mlx.weights import decoding_config, mlx_dir_for, tokenizer_file, weights_file
from longscribe.engines.stages import StageTimes
from longscribe.engines.whisper import (
    MAX_INITIAL_TIMESTAMP_INDEX,
    MAX_LENGTH,
    PUNCT_AFTER,
    PUNCT_BEFORE,
    Decoded,
    Identified,
    Tokenizers,
    WhisperEngine,
    identified,
    mel_frames,
)
from longscribe.errors import EngineError, OptionsError
from longscribe.options import TranscribeOptions
from longscribe.types import ChunkAudio

log = logging.getLogger(__name__)

import_mlx()  # first: it picks the BLAS under MLX's CPU backend on Linux
import mlx.core as mx  # noqa: E402

DEVICES = {"metal": "gpu", "mlx-cpu": "cpu"}
OPTIONAL_WEIGHT = "encoder.positional_embedding"  # mlx-community leaves it out: sinusoids, computed
DTYPES = {"float16": mx.float16, "float32": mx.float32, "bfloat16": mx.bfloat16}


class MlxEngine(WhisperEngine):
    name = "mlx"

    def __init__(
        self, model_dir: str, *, device: str = "mlx-cpu", compute_type: str = "float32", cache: str | None = None
    ) -> None:
        if device not in DEVICES:
            raise OptionsError(f"the MLX engine runs on {' or '.join(DEVICES)}, not {device}")
        if compute_type not in DTYPES:
            raise OptionsError(f"compute type {compute_type!r} on MLX (use {', '.join(DTYPES)})")
        mx.set_default_device(mx.gpu if DEVICES[device] == "gpu" else mx.cpu)
        self.device = device
        self.compute_type = compute_type
        self.directory = mlx_dir_for(model_dir, cache)
        config = json.loads((self.directory / "config.json").read_text())
        if config.get("quantization"):
            raise EngineError(f"{self.directory}: quantized MLX weights are not supported yet; use a float16 model")
        try:
            self.dims = Dims.from_config(config)
        except (KeyError, TypeError, ValueError) as exc:
            raise EngineError(f"{self.directory}/config.json: not an MLX Whisper config ({exc})") from exc
        self.model = Whisper(self.dims, DTYPES[compute_type])
        weights = mx.load(str(weights_file(self.directory)))
        if not isinstance(weights, dict):
            raise EngineError(f"{self.directory}: weights file holds no named tensors")
        from mlx.utils import tree_flatten

        expected = {str(pair[0]) for pair in tree_flatten(self.model.parameters())} - {OPTIONAL_WEIGHT}
        missing = sorted(expected - set(weights))
        if missing:
            raise EngineError(f"{self.directory}: {len(missing)} weight(s) missing, e.g. {missing[0]}")
        dtype = DTYPES[compute_type]
        try:
            self.model.load_weights([(k, v.astype(dtype)) for k, v in weights.items()], strict=False)
        except ValueError as exc:
            raise EngineError(f"{self.directory}: weights do not fit the model ({exc})") from exc
        self.model.encoder.positional_embedding = self.model.encoder.positional_embedding.astype(dtype)
        mx.eval(self.model.parameters())
        self.multilingual = self.dims.n_vocab >= 51865
        import tokenizers

        self._hf_tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_file(self.directory, self.dims.n_vocab)))
        self._log_mel = LogMel(self.dims.n_mels)
        self._config = decoding_config(self.directory)
        self._tokenizers = Tokenizers(self._hf_tokenizer, self.multilingual)
        self.stages = StageTimes()
        log.info("MLX engine on %s (%s), BLAS: %s", device, compute_type, blas())

    # -- steps ------------------------------------------------------------

    def _encode(self, features: Any) -> Any:
        return decoding.encode(self.model, features.astype(np.float32))

    def _decode(
        self,
        batch: Sequence[ChunkAudio],
        features: Any,
        encoded: Any,
        prompts: list[list[int]],
        tokenizers: list[Any],
        options: TranscribeOptions,
        request: DecodeRequest,
    ) -> list[Decoded]:
        search = decoding.Search(
            beam_size=options.beam,
            patience=options.patience,
            length_penalty=options.length_penalty,
            temperature=request.temperature,
            samples=options.best_of,
            seeds=tuple(_seed(options.seed, item.chunk.index, request.temperature) for item in batch),
            max_length=MAX_LENGTH,
            max_initial_timestamp_index=MAX_INITIAL_TIMESTAMP_INDEX,
            no_repeat_ngram=request.no_repeat_ngram,
            timestamps=not options.aligned,
        )
        return decoding.generate(self.model, encoded, prompts, self._vocab(tokenizers[0]), search)

    def _identify(self, audio: Any, request: DecodeRequest, task: str, n: int) -> list[Identified]:
        """Each chunk's language: given, or identified on its own encoder output (one decoder step)."""
        given = self._tokenizers.given(request, n)
        if given is not None:
            return given
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        ids = {code: self._hf_tokenizer.token_to_id(f"<|{code}|>") for code in _LANGUAGE_CODES}
        known = {code: i for code, i in ids.items() if i is not None and i < self.dims.n_vocab}
        sot = self._tokenizers.get(task, "en").sot
        rows = decoding.language_scores(self.model, audio, sot, known)
        return [identified(sorted(scores.items(), key=lambda pair: -pair[1])) for scores in rows]

    def _vocab(self, tokenizer: Any) -> decoding.Vocab:
        from faster_whisper.transcribe import get_suppressed_tokens

        begin = self._config.get("suppress_ids_begin") or [*tokenizer.encode(" "), tokenizer.eot]
        return decoding.Vocab(
            eot=tokenizer.eot,
            sot=tokenizer.sot,
            no_speech=tokenizer.no_speech,
            no_timestamps=tokenizer.no_timestamps,
            timestamp_begin=tokenizer.timestamp_begin,
            suppress=tuple(get_suppressed_tokens(tokenizer, [-1])),
            suppress_at_begin=tuple(begin),
        )

    def _align(
        self,
        batch: Sequence[ChunkAudio],
        features: Any,
        audio: Any,
        tokenizers: list[Any],
        results: list[Decoded],
    ) -> list[list[dict[str, Any]]]:
        from faster_whisper.transcribe import merge_punctuations

        eot = tokenizers[0].eot
        text = [[t for t in r.tokens if t < eot] for r in results]
        frames = [mel_frames(item.audio.shape[0]) for item in batch]
        words = align.align(self.model, audio, tokenizers, self._heads(), text, frames)
        for w in words:
            if w:
                merge_punctuations(w, PUNCT_BEFORE, PUNCT_AFTER)
        return words

    def _heads(self) -> list[tuple[int, int]]:
        heads = self._config.get("alignment_heads")
        if heads:
            return [(int(a), int(b)) for a, b in heads]
        d = self.dims  # Whisper's default: every head of the last half of the decoder
        return [(layer, h) for layer in range(d.n_text_layer // 2, d.n_text_layer) for h in range(d.n_text_head)]


def _seed(seed: int, chunk_index: int, temperature: float) -> int:
    return (seed * 1_000_003 + chunk_index) * 101 + int(round(temperature * 100))
