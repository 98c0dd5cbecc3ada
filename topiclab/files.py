"""Atomic writes and safe folder names: the one place where topiclab puts files and folders on disk.

A reader (a browser, a resumed batch, another process) never sees half a file: everything is written
under a temporary name in the destination's folder and renamed into place. Every folder topiclab
makes from a user's or a corpus's name (runs, reports, batch entries) goes through `safe_name`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Union

from topiclab.errors import ConfigError

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def slugify(text: str, fallback: str = "corpus") -> str:
    """A folder name made from free text (a file's stem, a title): letters, digits, '.', '_' and '-'."""
    slug = _UNSAFE.sub("-", str(text)).strip("-.")[:128].rstrip("-.")
    return slug or fallback


def check_name(name: str, what: str = "name") -> str:
    """`name` when it is safe as one folder inside an output folder, else a ConfigError saying why.

    Safe: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit, so it can never
    be '.', '..', hidden, absolute, or reach outside its parent.
    """
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
        raise ConfigError(f"The {what} {name!r} cannot name a folder: use 1 to 128 letters, digits, '.', '_' or "
                          f"'-', starting with a letter or digit (e.g. {slugify(str(name), 'my-run')!r}).")
    return name


def write_bytes(path: Union[str, Path], data: bytes, mode: int = 0o644) -> Path:
    """Write to a temporary name in the same folder, then rename over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)  # mkstemp makes files private; reports and runs are meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Union[str, Path], text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Union[str, Path], data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def read_json(path: Union[str, Path]) -> Any:
    """The parsed file, or None when it is missing or not valid JSON (e.g. written by a killed process)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_cell(value):
    """A cell a spreadsheet shows as text: one starting with = + - @ tab or CR gets a leading ' (OWASP's rule
    against formula injection). Numbers are left alone."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def safe_csv_frame(frame):
    """A copy of a DataFrame whose text cells are safe to open in a spreadsheet (see `safe_csv_cell`)."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    safe = frame.copy()
    for column in safe.columns:
        if is_object_dtype(safe[column]) or is_string_dtype(safe[column]):
            safe[column] = safe[column].map(safe_csv_cell)
    safe.columns = [safe_csv_cell(str(c)) for c in safe.columns]
    return safe


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
