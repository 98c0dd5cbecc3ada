"""Open a SQLite cache file that several processes share: WAL mode, an integrity check, damage moved aside.

Both on-disk caches (embeddings, LLM labels) open their files here, so a busy database is never taken
for a damaged one and a damaged one is never used silently. SQLite's integrity check reads the whole
file, so only files up to FULL_CHECK_UP_TO get it on opening; a larger one (an embedding cache of 600k
documents is 700 MB, 0.9 s to check, on every run) is opened after a look at its header and schema, and
its owner moves it aside (`move_aside`) when a query meets a damaged page.
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

#: Largest file checked whole when opened (about 0.1 s).
FULL_CHECK_UP_TO = 64 * 2**20


def open_cache_db(path: Path, schema: str, timeout: float, what: str) -> tuple[sqlite3.Connection, Optional[Path]]:
    """A connection to `path` with `schema` applied, and where a damaged file was moved (None if it was fine).

    A locked or unreadable file raises sqlite3.OperationalError: busy is not damaged, so it is never moved.
    """
    try:
        return _connect(path, schema, timeout), None
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as exc:
        aside = move_aside(path, what, exc)
        return _connect(path, schema, timeout), aside


def move_aside(path: Path, what: str, exc: Exception) -> Path:
    """Move a damaged cache file (and its WAL files) to a dated name beside it, so a new one can be built."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    log.warning("%s %s is damaged (%s); moved to %s and rebuilt.", what, path, exc, aside)
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.replace(Path(f"{aside}{suffix}"))
    return aside


def _connect(path: Path, schema: str, timeout: float) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        _use_wal(connection)
        connection.execute("PRAGMA synchronous=NORMAL")
        if path.stat().st_size <= FULL_CHECK_UP_TO:
            result = connection.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {result}")
        connection.execute(schema)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
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
