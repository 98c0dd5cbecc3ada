"""Open a SQLite cache file that several processes share: WAL mode, an integrity check, damage moved aside.

Both on-disk caches (embeddings, LLM labels) open their files here, so a busy database is never taken
for a damaged one and a damaged one is never used silently.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

#: Files this process has checked, as (path, size, modification time): the integrity check reads the whole
#: file (0.15 s for a 150 MB cache, more as it grows), and a run opens the embedding cache three times.
_checked: set[tuple[str, int, int]] = set()


def open_cache_db(path: Path, schema: str, timeout: float, what: str) -> tuple[sqlite3.Connection, Optional[Path]]:
    """A connection to `path` with `schema` applied, and where a damaged file was moved (None if it was fine).

    A locked or unreadable file raises sqlite3.OperationalError: busy is not damaged, so it is never moved.
    """
    try:
        return _connect(path, schema, timeout), None
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        log.warning("%s %s is damaged (%s); moved to %s and rebuilt.", what, path, exc, aside)
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{path}{suffix}")
            if source.exists():
                source.replace(Path(f"{aside}{suffix}"))
        return _connect(path, schema, timeout), aside


def _connect(path: Path, schema: str, timeout: float) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        _use_wal(connection)
        connection.execute("PRAGMA synchronous=NORMAL")
        stat = path.stat()
        seen = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if seen not in _checked:
            result = connection.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {result}")
            _checked.add(seen)
        connection.execute(schema)
    except sqlite3.DatabaseError:
        connection.close()
        raise
    return connection


def _use_wal(connection: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL once (it persists in the file). The switch needs a lock that SQLite does not wait
    for, so a process that meets another one creating the cache retries instead of failing."""
    for attempt in range(attempts):
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 + random.random() * 0.1)
