"""On-disk embedding cache, keyed per document by model identity and text hash.

One SQLite file holds every model's vectors, so a second run on the same corpus (or one that shares
most documents) embeds only what is new. SQLite's locking lets several processes read and write it at
once. Each vector carries a CRC32: a damaged row is dropped and re-embedded; a damaged file is moved
aside and rebuilt. Neither is ever used silently.

Vectors live in an ordinary rowid table (rows appended in order, a small unique index on the key):
SQLite's WITHOUT ROWID layout is meant for small rows and, with 1-2 KB vectors, made the file three
times larger and writes six times slower. A cache written in that older layout (`embeddings.sqlite`)
is still read: vectors found there are copied into the new file as they are used, and the old file
can be deleted to reclaim its space.

A large corpus also gets a snapshot: one .npz file with all its vectors in order (`corpora/`), named by the
model and the hashes of its texts. Looking 117,659 vectors up row by row takes 1.5-2 s, a third of a
re-fit's own work; the snapshot reads back in a tenth of that. Its rows stay in SQLite too, so an edited
corpus still finds most of its vectors there. Only the most recently used snapshots are kept.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import sqlite3
import zipfile
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np

from topiclab.errors import CacheError
from topiclab.files import write_bytes
from topiclab.sqlite_cache import move_aside, open_cache_db

log = logging.getLogger(__name__)

FILE_NAME = "vectors.sqlite"
_LEGACY_FILE_NAME = "embeddings.sqlite"  # the WITHOUT ROWID layout, read but never written
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model_key TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    crc INTEGER NOT NULL,
    n_tokens INTEGER,
    UNIQUE (model_key, text_hash)
)
"""
_BATCH = 900  # hashes per lookup: SQLite's variable limit is 999 on old builds
_NO_COUNT = -1  # token count unknown (not stored, or not meaningful for the model)
#: Corpora with at least this many documents get a snapshot; below it the row look-up takes under 0.3 s.
SNAPSHOT_FROM = 20_000
#: Snapshots kept, the most recently used: each is a second copy of a large corpus's vectors.
SNAPSHOTS_KEPT = 8


def default_cache_dir() -> Path:
    return Path(os.environ.get("TOPICLAB_CACHE", Path.home() / ".cache" / "topiclab"))


def model_key(identity: dict) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]


def text_hashes(texts: list[str]) -> list[bytes]:
    return [hashlib.sha256(t.encode("utf-8")).digest()[:16] for t in texts]


class Found:
    """What the cache held for a list of texts: `vectors[rows[j]]` and `n_tokens[rows[j]]` (-1 where unknown)
    belong to the text at `positions[j]`; a text that appears twice is found twice, stored once."""

    def __init__(self, positions: np.ndarray, rows: np.ndarray, vectors: np.ndarray, n_tokens: np.ndarray):
        self.positions, self.rows, self.vectors, self.n_tokens = positions, rows, vectors, n_tokens

    @classmethod
    def nothing(cls) -> "Found":
        empty = np.empty(0, np.int64)
        return cls(empty, empty, np.empty((0, 0), np.float32), empty)

    def __len__(self) -> int:
        return len(self.positions)


class EmbeddingCache:
    """Get and put float32 vectors for (model_key, text hash), with each text's token count (so a cached
    run still knows how many documents the model's window cut). Damaged rows count in `damaged_rows`."""

    def __init__(self, directory: Optional[Union[str, Path]] = None):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.path = self.directory / FILE_NAME
        self.damaged_rows = 0
        self.rebuilt_from: Optional[Path] = None
        self._ensure_writable()
        self._connection = self._open()
        self._legacy = _open_legacy(self.directory / _LEGACY_FILE_NAME)

    # ------------------------------------------------------------------ public
    def get(self, key: str, hashes: list[bytes]) -> Found:
        """The vectors stored for `hashes` (see `text_hashes`); damaged rows are deleted and left out, and a
        damaged file is moved aside and rebuilt (nothing found: everything is embedded again)."""
        try:
            return self._get(key, hashes)
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            self._rebuild(exc)
            return Found.nothing()

    def _get(self, key: str, hashes: list[bytes]) -> Found:
        positions: dict[bytes, list[int]] = {}
        for i, h in enumerate(hashes):
            positions.setdefault(h, []).append(i)
        rows = self._select(self._connection, key, list(positions), drop_damaged=True)
        if self._legacy is not None and len(rows) < len(positions):
            seen = {row[0] for row in rows}
            rows += self._copy_from_legacy(key, [h for h in positions if h not in seen])
        if not rows:
            return Found.nothing()
        found_at = [positions[row[0]] for row in rows]
        vectors = np.frombuffer(b"".join(row[2] for row in rows), dtype=np.float32).reshape(len(rows), rows[0][1])
        counts = np.array([_NO_COUNT if row[4] is None else row[4] for row in rows], dtype=np.int64)
        if len(found_at) == sum(map(len, found_at)):  # no text twice: row j is at found_at[j][0]
            return Found(np.array([at[0] for at in found_at], np.int64), np.arange(len(rows)), vectors, counts)
        pairs = [(i, j) for j, at in enumerate(found_at) for i in at]
        return Found(np.array([i for i, _ in pairs], np.int64), np.array([j for _, j in pairs], np.int64), vectors, counts)

    def put(self, key: str, hashes: list[bytes], vectors: np.ndarray, n_tokens: Optional[np.ndarray] = None) -> None:
        """Store one vector per hash, in one transaction (a block that is written is kept whole)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = int(vectors.shape[1])
        counts = [None] * len(hashes) if n_tokens is None else [None if n < 0 else int(n) for n in n_tokens]
        blobs = [v.tobytes() for v in vectors]
        rows = [(key, h, dim, blob, zlib.crc32(blob), n) for h, blob, n in zip(hashes, blobs, counts)]

        def insert(connection: sqlite3.Connection) -> None:
            connection.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?, ?)", rows)

        try:
            self._write(insert)
        except sqlite3.DatabaseError as exc:  # a damaged page met while writing (busy is a CacheError)
            self._rebuild(exc)
            self._write(insert)

    def get_snapshot(self, key: str, hashes: list[bytes]) -> Optional[Found]:
        """All of a corpus's vectors at once, when a snapshot of exactly these texts exists and reads back whole
        (the zip format's CRC is checked as it is read); None otherwise."""
        path = self.snapshot_path(key, hashes)
        if path is None or not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as saved:
                vectors, counts = saved["vectors"], saved["n_tokens"]
            os.utime(path)  # most recently used: kept longest
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("Ignoring the damaged embedding snapshot %s (%s).", path, exc)
            return None
        if vectors.ndim != 2 or len(vectors) != len(hashes) or counts.shape != (len(hashes),):
            return None
        order = np.arange(len(hashes))
        return Found(order, order, vectors, counts)

    def put_snapshot(self, key: str, hashes: list[bytes], vectors: np.ndarray, n_tokens: np.ndarray) -> None:
        """Keep a large corpus's vectors, in order, as one file (atomically), and drop the least recently used
        snapshots beyond SNAPSHOTS_KEPT. A disk that cannot take it costs speed next time, nothing else."""
        path = self.snapshot_path(key, hashes)
        if path is None or path.exists():
            return
        buffer = io.BytesIO()
        np.savez(buffer, vectors=np.ascontiguousarray(vectors, np.float32), n_tokens=np.asarray(n_tokens, np.int64))
        try:
            write_bytes(path, buffer.getbuffer())  # no second copy of a large corpus's vectors
            others = sorted((p for p in path.parent.glob("*.npz") if p != path), key=lambda p: p.stat().st_mtime_ns)
            for old in others[:max(0, len(others) + 1 - SNAPSHOTS_KEPT)]:  # the oldest first; never this one
                old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not write the embedding snapshot %s: %s", path, exc)

    def count(self, key: Optional[str] = None) -> int:
        if key is None:
            return self._connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        return self._connection.execute("SELECT COUNT(*) FROM vectors WHERE model_key = ?", [key]).fetchone()[0]

    def close(self) -> None:
        self._connection.close()
        if self._legacy is not None:
            self._legacy.close()

    def __enter__(self) -> "EmbeddingCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def snapshot_path(self, key: str, hashes: list[bytes]) -> Optional[Path]:
        """Where a corpus with these text hashes keeps its snapshot (None below SNAPSHOT_FROM documents)."""
        if len(hashes) < SNAPSHOT_FROM:
            return None
        digest = hashlib.blake2b(b"".join(hashes), digest_size=16).hexdigest()
        return self.directory / "corpora" / f"{key}-{digest}.npz"

    # ------------------------------------------------------------------ internals
    def _select(self, connection: sqlite3.Connection, key: str, hashes: list[bytes], drop_damaged: bool,
                table: str = "vectors") -> list[tuple]:
        """(hash, dim, blob, crc, n_tokens) rows whose CRC and length check out."""
        good, damaged = [], []
        for start in range(0, len(hashes), _BATCH):
            chunk = hashes[start:start + _BATCH]
            for row in connection.execute(
                    f"SELECT text_hash, dim, vector, crc, n_tokens FROM {table} WHERE model_key = ? AND text_hash IN "
                    f"({','.join('?' * len(chunk))})", [key, *chunk]):
                (good if zlib.crc32(row[2]) == row[3] and len(row[2]) == row[1] * 4 else damaged).append(row)
        if damaged:
            self.damaged_rows += len(damaged)
            log.warning("%d damaged vectors in the embedding cache %s were dropped and will be re-embedded.",
                        len(damaged), self.path)
            if drop_damaged:
                self._write(lambda c: c.executemany("DELETE FROM vectors WHERE model_key = ? AND text_hash = ?",
                                                    [(key, row[0]) for row in damaged]))
        return good

    def _copy_from_legacy(self, key: str, hashes: list[bytes]) -> list[tuple]:
        try:
            rows = self._select(self._legacy, key, hashes, drop_damaged=False, table="embeddings")
        except sqlite3.Error as exc:  # an old file that cannot be read is only a missed chance
            log.warning("The old embedding cache %s cannot be read (%s); ignoring it.",
                        self.directory / _LEGACY_FILE_NAME, exc)
            self._legacy.close()
            self._legacy = None
            return []
        if rows:
            self._write(lambda c: c.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?, ?)",
                                                [(key, *row) for row in rows]))
        return rows

    def _ensure_writable(self) -> None:
        hint = "Set TOPICLAB_CACHE or embedding.cache_dir to a writable folder, or turn the cache off (--no-cache)."
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            probe = self.directory / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise CacheError(f"Embedding cache directory {self.directory} is not writable ({exc.strerror or exc}). {hint}") from None

    def _rebuild(self, exc: Exception) -> None:
        """A damaged page met in use (large files are not checked whole when opened): start a new file."""
        self._connection.close()
        aside = move_aside(self.path, "Embedding cache", exc)
        self._connection = self._open()
        self.rebuilt_from = aside

    def _open(self) -> sqlite3.Connection:
        try:
            connection, self.rebuilt_from = open_cache_db(self.path, _SCHEMA, timeout=120, what="Embedding cache")
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


def _open_legacy(path: Path) -> Optional[sqlite3.Connection]:
    """The older cache file, read-only, when there is one with vectors in it."""
    if not path.exists():
        return None
    connection = None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=120)
        connection.execute("SELECT model_key, text_hash, dim, vector, crc, n_tokens FROM embeddings LIMIT 1").fetchall()
        return connection
    except sqlite3.Error as exc:
        if connection is not None:
            connection.close()
        log.warning("The old embedding cache %s cannot be read (%s); ignoring it.", path, exc)
        return None
