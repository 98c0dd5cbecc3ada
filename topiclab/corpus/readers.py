"""Read a corpus source into a pandas DataFrame, with errors that name the file and the place.

Sources: CSV/TSV, Parquet, JSONL, a folder of `.txt` files, a list of strings, or a DataFrame.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Iterable, Union

import pandas as pd

from topiclab.errors import CorpusError

CorpusSource = Union[str, Path, pd.DataFrame, Iterable[str]]

_DELIMITED = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_JSONL = {".jsonl", ".ndjson"}
_PARQUET = {".parquet", ".pq"}


def read_source(source: CorpusSource) -> tuple[pd.DataFrame, str]:
    """Return the raw table and a short description of where it came from (for messages and the manifest)."""
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), "DataFrame"
    if isinstance(source, (str, Path)):
        return _read_path(Path(source)), str(source)
    try:
        texts = list(source)
    except TypeError:
        raise CorpusError(
            f"Cannot read a corpus from a {type(source).__name__}: give a file path, a folder of .txt files, "
            "a pandas DataFrame or a list of strings."
        ) from None
    return pd.DataFrame({"text": texts}), "list of strings"


def _read_path(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise CorpusError(f"Corpus not found: {path}. Check the path (relative paths start at {Path.cwd()}).")
    if path.is_dir():
        return _read_txt_folder(path)
    suffix = path.suffix.lower()
    if suffix in _DELIMITED:
        return _read_delimited(path, _DELIMITED[suffix])
    if suffix in _JSONL:
        return _read_jsonl(path)
    if suffix in _PARQUET:
        return _read_parquet(path)
    if suffix == ".txt":
        return pd.DataFrame({"text": [_decode(path, _read_bytes(path))], "doc_id": [path.stem]})
    raise CorpusError(
        f"Unsupported corpus file type {suffix or '(no extension)'!r}: {path}. "
        "Use .csv, .tsv, .parquet, .jsonl, or a folder of .txt files."
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"Cannot read {path}: {exc.strerror or exc}. Check the file's permissions.") from None


def _decode(path: Path, raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM); on failure say the line, column and byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CorpusError(
            f"{path} is not valid UTF-8: byte 0x{raw[exc.start]:02x} at line {line}, column {column} "
            f"(byte offset {exc.start}). Re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)."
        ) from None


def _read_delimited(path: Path, sep: str) -> pd.DataFrame:
    text = _decode(path, _read_bytes(path))
    if not text.strip():
        raise CorpusError(f"{path} is empty: it has no header and no rows.")
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=True)
    except pd.errors.ParserError as exc:
        raise CorpusError(f"{path} could not be parsed as {'TSV' if sep == chr(9) else 'CSV'}: {exc}") from None


def _read_jsonl(path: Path) -> pd.DataFrame:
    text = _decode(path, _read_bytes(path))
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}, line {number}: not valid JSON ({exc.msg}, column {exc.colno}).") from None
        if not isinstance(record, dict):
            raise CorpusError(f"{path}, line {number}: each line must be a JSON object like {{\"text\": ...}}.")
        records.append(record)
    if not records:
        raise CorpusError(f"{path} holds no JSON records.")
    return pd.DataFrame.from_records(records)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise CorpusError(f"{path} is not a readable Parquet file: {exc}") from None


def source_fingerprint(path: Union[str, Path]) -> str:
    """A SHA-256 of everything reading `path` reads: a file's bytes, or a folder's .txt files (names and bytes).

    Equal fingerprints mean the same corpus, whatever the files' times say (a batch resumes on it).
    """
    path = Path(path)
    if not path.is_dir():
        return _file_digest(path)
    digest = hashlib.sha256()
    for file in _txt_files(path):
        digest.update(f"{file.relative_to(path)}\0{_file_digest(file)}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise CorpusError(f"Cannot read {path}: {exc.strerror or exc}. Check that it exists and is readable.") from None
    return digest.hexdigest()


def _txt_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.txt") if p.is_file())


def _read_txt_folder(folder: Path) -> pd.DataFrame:
    files = _txt_files(folder)
    if not files:
        raise CorpusError(f"The folder {folder} holds no .txt files.")
    return pd.DataFrame(
        {
            "doc_id": [str(p.relative_to(folder)) for p in files],
            "text": [_decode(p, _read_bytes(p)) for p in files],
        }
    )
