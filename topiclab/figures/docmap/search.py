"""The map page's search, done in Python by the page's rules, so a notebook knows the matches at once.

Run All sends every cell to the kernel before the browser has drawn the map, and what the map's page
reports comes back to the kernel only after the queued cells have run: a cell after the map would read
an empty search. `MapWidget.search` therefore finds the matches here, as `static/map.js` does
(`searchWords`, `searchMeaning`, on the same texts and the same word table), and the page's own answer,
which also leaves out topics hidden on the map and documents outside its time filter, replaces them
when it comes.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from topiclab.figures.docmap.data import MapData
from topiclab.figures.docmap.semantic import SemanticIndex

#: As in map.js: the documents a search by meaning highlights, and the matches the page sends a notebook.
MEANING_TOP = 200
POST_LIMIT = 10_000


def page_matches(data: MapData, texts: pd.Series, query: str, mode: str) -> list[int]:
    """The points (as the page numbers them) a search of `query` highlights on the map, at most POST_LIMIT.

    `texts` are the documents' texts in the page's order; the page searches the first `cap` characters."""
    query = query.strip()
    if not query:
        return []
    if mode == "meaning":
        return [] if data.semantic is None else meaning_matches(data.semantic, query)
    cap = data.meta["text"]["cap"]
    return word_matches(texts if cap is None else texts.str.slice(0, cap), query)[:POST_LIMIT]


def terms(query: str) -> list[str]:
    """Words, or "quoted phrases"."""
    return [t for t in (re.sub(r'^"|"$', "", found) for found in re.findall(r'"[^"]+"|\S+', query)) if t]


def word_matches(texts: pd.Series, query: str) -> list[int]:
    """The documents holding every term, case-insensitive, in document order."""
    hits = np.ones(len(texts), dtype=bool)
    for term in terms(query):
        hits &= texts.str.contains(re.escape(term), case=False, regex=True).to_numpy(dtype=bool)
    return np.flatnonzero(hits).tolist()


def meaning_matches(index: SemanticIndex, query: str) -> list[int]:
    """The MEANING_TOP documents nearest the sum of the query's known words' vectors, best first: the same
    product-quantized vectors and lookup tables as the page, summed in the page's order."""
    vocabulary = {word: k for k, word in enumerate(index.words)}
    known = [vocabulary[w] for w in re.findall(r"[^\W\d_]{2,}", query.lower()) if w in vocabulary]
    if not known:
        return []
    word_m = index.word_codes.shape[1]
    query_vector = np.zeros(word_m * index.word_codebooks.shape[2], dtype=np.float32)
    for k in known:
        query_vector += index.word_codebooks[np.arange(word_m), index.word_codes[k]].reshape(-1)
    m = index.codebooks.shape[0]
    tables = np.einsum("scw,sw->sc", index.codebooks.astype(np.float64),
                       query_vector.reshape(m, -1).astype(np.float64)).astype(np.float32)
    scores = np.zeros(len(index.codes))
    for s in range(m):
        scores += tables[s, index.codes[:, s]]
    return np.argsort(-scores.astype(np.float32), kind="stable")[:MEANING_TOP].tolist()  # the page keeps float32
