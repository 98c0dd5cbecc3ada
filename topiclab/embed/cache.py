"""On-disk embedding cache, keyed per document by model identity and text hash.

One SQLite file holds every model's vectors, so a second run on the same corpus (or one that shares
most documents) embeds only what is new. SQLite's locking lets several processes read and write it at
once. Each vector carries a CRC32: a damaged row is dropped and re-embedded; a damaged file is moved
aside and rebuilt. Neither is ever used silently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np

from topiclab.errors import CacheError
from topiclab.sqlite_cache import open_cache_db

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_key TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    crc INTEGER NOT NULL,
    n_tokens INTEGER,
    PRIMARY KEY (model_key, text_hash)
) WITHOUT ROWID
"""
_BATCH = 500  # SQLite's variable limit is 999 on old builds


def _add_token_counts(connection: sqlite3.Connection) -> None:
    """Migrate a cache written before token counts were kept."""
    if "n_tokens" in {row[1] for row in connection.execute("PRAGMA table_info(embeddings)")}:
        return
    try:
        connection.execute("ALTER TABLE embeddings ADD COLUMN n_tokens INTEGER")
    except sqlite3.OperationalError as exc:  # another process added it first
        if "duplicate column" not in str(exc):
            raise


def default_cache_dir() -> Path:
    return Path(os.environ.get("TOPICLAB_CACHE", Path.home() / ".cache" / "topiclab"))


def model_key(identity: dict) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]


def text_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


class EmbeddingCache:
    """Get and put float32 vectors for (model_key, text), with each text's token count (so a cached
    run still knows how many documents the model's window cut). Damaged rows count in `damaged_rows`."""

    def __init__(self, directory: Optional[Union[str, Path]] = None):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.path = self.directory / "embeddings.sqlite"
        self.damaged_rows = 0
        self.rebuilt_from: Optional[Path] = None
        self._ensure_writable()
        self._connection = self._open()

    # ------------------------------------------------------------------ public
    def get(self, key: str, texts: list[str]) -> dict[int, tuple[np.ndarray, Optional[int]]]:
        """(vector, token count) found for `texts`, by position; damaged rows are deleted and left out."""
        hashes = [text_hash(t) for t in texts]
        positions: dict[bytes, list[int]] = {}
        for i, h in enumerate(hashes):
            positions.setdefault(h, []).append(i)
        found: dict[int, tuple[np.ndarray, Optional[int]]] = {}
        unique = list(positions)
        for start in range(0, len(unique), _BATCH):
            chunk = unique[start:start + _BATCH]
            rows = self._connection.execute(
                f"SELECT text_hash, dim, vector, crc, n_tokens FROM embeddings WHERE model_key = ? AND text_hash IN "
                f"({','.join('?' * len(chunk))})", [key, *chunk]).fetchall()
            for h, dim, blob, crc, n_tokens in rows:
                if zlib.crc32(blob) != crc or len(blob) != dim * 4:
                    self._drop(key, h)
                    continue
                vector = np.frombuffer(blob, dtype=np.float32)
                for i in positions[h]:
                    found[i] = (vector, n_tokens)
        return found

    def put(self, key: str, texts: list[str], vectors: np.ndarray, n_tokens: Optional[list[int]] = None) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        counts = n_tokens if n_tokens is not None else [None] * len(texts)
        rows = [(key, text_hash(t), int(v.shape[0]), v.tobytes(), zlib.crc32(v.tobytes()), None if n is None else int(n))
                for t, v, n in zip(texts, vectors, counts)]
        self._write(lambda c: c.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?, ?, ?)", rows))

    def count(self, key: Optional[str] = None) -> int:
        if key is None:
            return self._connection.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        return self._connection.execute("SELECT COUNT(*) FROM embeddings WHERE model_key = ?", [key]).fetchone()[0]

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "EmbeddingCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _ensure_writable(self) -> None:
        hint = "Set TOPICLAB_CACHE or embedding.cache_dir to a writable folder, or turn the cache off (--no-cache)."
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            probe = self.directory / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CacheError(f"Embedding cache directory {self.directory} is not writable ({exc.strerror or exc}). {hint}") from None

    def _open(self) -> sqlite3.Connection:
        try:
            connection, self.rebuilt_from = open_cache_db(self.path, _SCHEMA, timeout=120, what="Embedding cache")
            _add_token_counts(connection)
        except sqlite3.OperationalError as exc:  # locked or unreadable: not damage
            raise CacheError(f"Cannot open the embedding cache {self.path}: {exc}") from None
        return connection

    def _write(self, action) -> None:
        try:
            self._connection.execute("BEGIN IMMEDIATE")
            action(self._connection)
            self._connection.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            raise CacheError(f"Cannot write to the embedding cache {self.path}: {exc}") from None

    def _drop(self, key: str, h: bytes) -> None:
        self.damaged_rows += 1
        log.warning("A damaged vector in the embedding cache %s was dropped and will be re-embedded.", self.path)
        self._write(lambda c: c.execute("DELETE FROM embeddings WHERE model_key = ? AND text_hash = ?", [key, h]))
