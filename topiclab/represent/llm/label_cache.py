"""On-disk cache of LLM answers, keyed by model identity and prompt.

A re-run, a relabel or a topic reduction asks the model only for prompts it has not answered before.
Raw answers are stored, so a better answer cleaner applies to old answers too; the labeler stores
only answers that clean to a usable label, so an unusable one is asked again, never replayed. One SQLite file in
topiclab's cache folder serves every process at once (WAL mode); a damaged file is moved aside.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Optional, Union

from topiclab.embed.cache import default_cache_dir
from topiclab.errors import CacheError
from topiclab.sqlite_cache import open_cache_db

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS labels (key TEXT PRIMARY KEY, answer TEXT NOT NULL, created REAL NOT NULL)"
_BATCH = 500


def cache_key(identity: dict, prompt: str) -> str:
    return hashlib.sha256(json.dumps([identity, prompt], sort_keys=True).encode("utf-8")).hexdigest()


class LabelCache:
    """Get and put raw answers by `cache_key`."""

    def __init__(self, directory: Optional[Union[str, Path]] = None):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.path = self.directory / "labels.sqlite"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._connection = self._open()
        except (OSError, sqlite3.OperationalError) as exc:
            raise CacheError(f"The label cache {self.path} cannot be opened ({exc}). Set TOPICLAB_CACHE to a "
                             "writable folder, or turn the cache off (labels.llm.cache=false).") from None

    def get(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start:start + _BATCH]
            found.update(self._connection.execute(
                f"SELECT key, answer FROM labels WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        return found

    def put(self, key: str, answer: str) -> None:
        try:
            self._connection.execute("INSERT OR REPLACE INTO labels VALUES (?, ?, ?)", [key, answer, time.time()])
        except sqlite3.OperationalError as exc:  # locked past the time-out, disk full: the label itself is fine
            log.warning("Could not write to the label cache %s: %s", self.path, exc)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "LabelCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self) -> sqlite3.Connection:
        connection, _ = open_cache_db(self.path, _SCHEMA, timeout=60, what="Label cache")
        return connection
