"""Dictionaries in dictd format, as Debian's dict-* packages install them: the entries and their headwords.

`NAME.index` lists every headword with the offset and length (in base 64) of its entry in `NAME.dict.dz`
(gzip). Several headwords (aliases) can share one entry; each entry is read once, under its first headword.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Iterator, Optional, Union

import pandas as pd

from topiclab.errors import CorpusError

DICTD_DIR = Path("/usr/share/dictd")

_BASE64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _decode(number: str) -> int:
    value = 0
    for char in number:
        value = value * 64 + _BASE64[char]
    return value


def dictd_files(name: str, title: str, package: str,
                directory: Optional[Union[str, Path]] = None) -> tuple[Path, Path]:
    """The index and data files of dictionary `name`, or a CorpusError saying which package installs them."""
    directory = Path(directory) if directory is not None else DICTD_DIR
    index, data = directory / f"{name}.index", directory / f"{name}.dict.dz"
    if not index.is_file() or not data.is_file():
        raise CorpusError(f"{title} is not installed ({index} and {data} are missing): on Debian or Ubuntu run "
                          f"`sudo apt-get install {package}`.")
    return index, data


def dictd_entries(index: Path, data: Path) -> Iterator[tuple[str, str]]:
    """(headword, entry text) for every entry, in the order of the data file; the 00-database-* metadata left out."""
    raw = gzip.decompress(data.read_bytes())
    entries: dict[tuple[int, int], str] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        headword, offset, length = line.split("\t")
        if not headword.startswith("00-"):
            entries.setdefault((_decode(offset), _decode(length)), headword)
    for offset, length in sorted(entries):
        yield entries[offset, length], raw[offset:offset + length].decode("utf-8", errors="replace")


def keep_large_classes(frame: pd.DataFrame, min_class_size: int) -> pd.DataFrame:
    """The rows whose `label` has at least `min_class_size` rows: smaller classes are too small to score against."""
    sizes = frame["label"].value_counts()
    return frame[frame["label"].isin(sizes[sizes >= min_class_size].index)].reset_index(drop=True)
