"""The CTranslate2 engine, through faster-whisper's model, tokenizer and features.

It decodes a batch of independent chunks: features per chunk (never for the whole file),
each chunk encoded, the batch decoded with beam search (text only when words are timed by
alignment, then aligned per chunk); sampled retries run one chunk at a time, seeded by
chunk, so reruns and resumed jobs get the same text. On the CPU the workers take turns
(one encodes while another decodes, never two of a kind at once), so the peak holds one
encoder's and one decoder's buffers, and the last few encoder outputs are kept by content,
so the fallback's retries of a chunk do not encode it again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from longscribe.engines.base import DecodeRequest
from longscribe.engines.features import LogMel
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
from longscribe.errors import EngineError
from longscribe.options import TranscribeOptions
from longscribe.types import ChunkAudio, ChunkTranscript

log = logging.getLogger(__name__)

KEPT_ENCODINGS = 8
"""Encoder outputs kept on the CPU: enough for the batches the CPU workers have in flight at once."""


class EncoderOutputs:
    """The encoder outputs of the last ``size`` chunks encoded, keyed by a digest of their features."""

    def __init__(self, size: int = KEPT_ENCODINGS) -> None:
        self._rows: OrderedDict[bytes, npt.NDArray[np.float32]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(features: npt.NDArray[np.float32]) -> bytes:
        return hashlib.blake2b(np.ascontiguousarray(features).data, digest_size=16).digest()

    def get(self, key: bytes) -> npt.NDArray[np.float32] | None:
        with self._lock:
            row = self._rows.get(key)
            if row is not None:
                self._rows.move_to_end(key)
            return row

    def put(self, key: bytes, row: npt.NDArray[np.float32]) -> None:
        with self._lock:
            self._rows[key] = row
            self._rows.move_to_end(key)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)


class Ct2Engine(WhisperEngine):
    """faster-whisper's CTranslate2 Whisper, driven chunk batch by chunk batch."""

    name = "ct2"

    def __init__(
        self,
        model_dir: str,
        *,
        device: str = "cpu",
        device_index: int = 0,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        workers: int = 1,
    ) -> None:
        from faster_whisper import WhisperModel

        from longscribe.models.resolve import is_mlx_dir

        if is_mlx_dir(Path(model_dir)):
            raise EngineError(f"{model_dir} holds MLX weights: run it with --device metal or mlx-cpu")
        try:
            self._whisper = WhisperModel(
                model_dir,
                device=device,
                device_index=device_index,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                num_workers=workers,
            )
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"cannot load {model_dir} on {device}/{compute_type}: {exc}") from exc
        self._model = self._whisper.model
        self.device = device
        self.compute_type = compute_type
        self.multilingual = bool(self._model.is_multilingual)
        self._tokenizers = Tokenizers(self._whisper.hf_tokenizer, self.multilingual)
        self._log_mel = LogMel(self._whisper.feature_extractor.mel_filters.shape[0])
        self.stages = StageTimes()
        self._encoded = EncoderOutputs()
        turns = device == "cpu" and workers > 1
        if turns:
            self._encode_turn, self._decode_turn = threading.Lock(), threading.Lock()

    def transcribe(
        self, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
    ) -> list[ChunkTranscript]:
        try:
            return super().transcribe(batch, options, request)
        except RuntimeError as exc:  # CTranslate2 raises RuntimeError, e.g. "CUDA failed with error out of memory"
            raise EngineError(f"{self.device}/{self.compute_type}: {exc}") from exc

    # -- steps ------------------------------------------------------------

    def _decode(
        self,
        batch: Sequence[ChunkAudio],
        features: npt.NDArray[np.float32],
        encoded: Any,
        prompts: list[list[int]],
        tokenizers: list[Any],
        options: TranscribeOptions,
        request: DecodeRequest,
    ) -> list[Decoded]:
        if request.temperature > 0:
            return [
                self._sampled(features[i], prompts[i], tokenizers[i], options, request, item.chunk.index)
                for i, item in enumerate(batch)
            ]
        return self._generate(encoded, prompts, tokenizers[0], options, request)

    def _sampled(
        self,
        features: npt.NDArray[np.float32],
        prompt: list[int],
        tokenizer: Any,
        options: TranscribeOptions,
        request: DecodeRequest,
        chunk_index: int,
    ) -> Decoded:
        """One chunk at a time, seeded by (seed, chunk, temperature): the same text on every rerun."""
        import ctranslate2

        step = int(round(request.temperature * 100))
        ctranslate2.set_random_seed((options.seed * 1_000_003 + chunk_index) * 101 + step)
        with self._encode_turn:  # called in the decoder's turn: nobody waits for that one holding this
            encoded = self._encode(features[None])
        return self._generate(encoded, [prompt], tokenizer, options, request)[0]

    def _encode(self, features: npt.NDArray[np.float32]) -> Any:
        """On a GPU the batch together; on the CPU one chunk at a time (or its kept output), then stacked.

        Encoding a batch at once holds every chunk's attention scores together and is
        no faster on a CPU; the decoder is where a batch pays (docs/benchmarks.md).
        """
        if self.device != "cpu":
            return self._whisper.encode(features)
        import ctranslate2

        rows = []
        for i in range(features.shape[0]):
            key = self._encoded.key(features[i])
            row = self._encoded.get(key)
            if row is None:
                row = np.array(self._whisper.encode(features[i : i + 1]))
                self._encoded.put(key, row)
            rows.append(row)
        return ctranslate2.StorageView.from_array(np.concatenate(rows))

    def _identify(self, encoded: Any, request: DecodeRequest, task: str, n: int) -> list[Identified]:
        """Each chunk's language: given, or identified on its own encoder output (one decoder step)."""
        given = self._tokenizers.given(request, n)
        if given is not None:
            return given
        return [
            identified([(token[2:-2], prob) for token, prob in ranked])
            for ranked in self._model.detect_language(encoded)
        ]

    def _generate(
        self,
        encoded: Any,
        prompts: list[list[int]],
        tokenizer: Any,
        options: TranscribeOptions,
        request: DecodeRequest,
    ) -> list[Decoded]:
        from faster_whisper.transcribe import get_suppressed_tokens

        temperature = request.temperature
        sampling: dict[str, Any]
        if temperature > 0:
            sampling = dict(
                beam_size=1, num_hypotheses=options.best_of, sampling_topk=0, sampling_temperature=temperature
            )
        else:
            sampling = dict(beam_size=options.beam, patience=options.patience)
        results = self._model.generate(
            encoded,
            prompts,
            length_penalty=options.length_penalty,
            max_length=MAX_LENGTH,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])),
            max_initial_timestamp_index=MAX_INITIAL_TIMESTAMP_INDEX,
            no_repeat_ngram_size=request.no_repeat_ngram,
            **sampling,
        )
        return [_decode_of(result, options, len(prompt)) for result, prompt in zip(results, prompts)]

    def _align(
        self,
        batch: Sequence[ChunkAudio],
        features: npt.NDArray[np.float32],
        encoded: Any,
        tokenizers: list[Any],
        decodes: list[Decoded],
    ) -> list[list[dict[str, Any]]]:
        from faster_whisper.transcribe import merge_punctuations

        eot = tokenizers[0].eot
        text_tokens = [[t for t in d.tokens if t < eot] for d in decodes]
        frames = [mel_frames(item.audio.shape[0]) for item in batch]
        wanted = [i for i, tokens in enumerate(text_tokens) if tokens]
        out: list[list[dict[str, Any]]] = [[] for _ in batch]
        if not wanted:
            return out
        if self.device == "cpu":  # one chunk at a time: faster than a batch on a CPU (docs/benchmarks.md)
            import ctranslate2

            rows = np.asarray(encoded)
            for i in wanted:
                one = ctranslate2.StorageView.from_array(np.ascontiguousarray(rows[i : i + 1]))
                out[i] = self._whisper.find_alignment(tokenizers[i], [text_tokens[i]], one, [frames[i]])[0]
        else:
            groups: dict[str, list[int]] = {}
            for i in range(len(batch)):
                groups.setdefault(tokenizers[i].language_code, []).append(i)
            for members in groups.values():  # a batch that changes language: each language apart
                whole = len(groups) == 1
                part = encoded if whole else self._whisper.encode(features[members])
                aligned = self._whisper.find_alignment(
                    tokenizers[members[0]], [text_tokens[i] for i in members], part, [frames[i] for i in members]
                )
                for i, words in zip(members, aligned):
                    out[i] = words if text_tokens[i] else []
        for i in wanted:
            merge_punctuations(out[i], PUNCT_BEFORE, PUNCT_AFTER)
        return out


def _decode_of(result: Any, options: TranscribeOptions, prompt_length: int) -> Decoded:
    """Among sampled hypotheses keep the most likely (CTranslate2 orders them by score)."""
    tokens = tuple(result.sequences_ids[0])
    length = len(tokens)
    avg_logprob = result.scores[0] * (length**options.length_penalty) / (length + 1)
    truncated = prompt_length + length >= MAX_LENGTH
    return Decoded(tokens, float(avg_logprob), float(result.no_speech_prob), truncated)
