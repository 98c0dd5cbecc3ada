"""Atomic writes and safe folder names: the one place where topiclab puts files and folders on disk.

A reader (a browser, a resumed batch, another process) never sees half a file: everything is written
under a temporary name in the destination's folder and renamed into place. Every folder topiclab
makes from a user's or a corpus's name (runs, reports, batch entries) goes through `check_name`.
Every CSV topiclab writes goes through `spreadsheet_safe`, so that no document becomes a formula.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from topiclab.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
#: What a spreadsheet reads as the start of a formula (OWASP, "CSV injection"), and a plain number, which is not one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


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


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` for CSV: text cells and column names that a spreadsheet would run as a formula
    (starting with =, +, -, @, tab or carriage return) get a leading `'`, which shows them as text.

    Document text and topic labels reach topics.csv; opened in Excel or LibreOffice, `=HYPERLINK(...)` or
    `@SUM(...)` from a corpus would otherwise run. Numbers, and text that is only a number, are left alone.
    """
    safe = frame.rename(columns=_spreadsheet_cell)
    for column in safe.select_dtypes(include=["object", "string"]).columns:
        safe[column] = safe[column].map(_spreadsheet_cell)
    return safe


def _spreadsheet_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_bytes(path: Union[str, Path], data: Union[bytes, memoryview], mode: int = 0o644) -> Path:
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


def replace_folder(staging: Path, path: Path) -> None:
    """Rename the finished folder `staging` to `path`; a folder already there is moved aside first, then removed,
    so `path` is always either the old folder or the whole new one."""
    if not path.exists():
        os.replace(staging, path)
        return
    retired = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.replace(path, retired)
    os.replace(staging, path)
    shutil.rmtree(retired, ignore_errors=True)


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
