"""Load, validate and clean a corpus from files, DataFrames or lists of strings."""

from topiclab.corpus.corpus import Corpus, detect_text_column, load_corpus
from topiclab.corpus.samples import load_20newsgroups, load_bbc_news

__all__ = ["Corpus", "detect_text_column", "load_corpus", "load_20newsgroups", "load_bbc_news"]
