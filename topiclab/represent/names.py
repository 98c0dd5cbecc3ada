"""The `names` aspect: a short, readable name for every topic, distinct among its siblings, offline.

Generate, then verify. Each topic's candidates are its most particular 1-3 word phrases (`phrases.py`), its
best keywords, the best few of those joined in pairs ("Encryption and Privacy": a pair covers more of a
topic than either part; never with a lone word that cannot be a noun, "Firearms and Armed"), and, when the
`llm` aspect ran before, the LLM's label. Each candidate is scored
with the run's own embedding model: its similarity to the topic's centroid minus its similarity to the
nearest other topic's centroid (the name's *margin*: it tells the topic apart), mixed with its plain
similarity to the topic's centroid (it covers the topic: a general name beats a narrow one that happens
to be particular), plus small priors: two or three words read better than one, a pair a little worse than
one phrase, a phrase most of the topic's documents hold better than a rarer one, and a word that is one of
a sibling's top keywords names that sibling too. An LLM label is a candidate like any other, with a
preference (a reader's name for the subject): it wins when it scores within LLM_PREFERENCE of the best phrase,
and never with a number its topic's documents do not hold.
Names are then handed out best score first, so no two siblings get the same or a near-duplicate name; a
topic whose candidates are all taken keeps its keywords. Zero-shot names are kept as given.

`name_groups` names any grouping of topics the same way: the topics themselves here, their parents in the
hierarchy (`hierarchy.py`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import lemminflect
import numpy as np

from topiclab.represent.base import Aspect, TopicContext
from topiclab.represent.llm.label_cache import LabelCache, cache_key
from topiclab.represent.phrases import (
    FRAGMENT,
    MIN_SHARE,
    SAMPLE_CHARS,
    SAMPLE_DOCUMENTS,
    STOP,
    surface_form,
    well_formed,
)
from topiclab.results import OUTLIER

#: Phrases per group that compete for its name.
CANDIDATES = 25
#: Bonus for a two- or three-word name (reads as a name, not a keyword).
PHRASE_BONUS = 0.05
#: Weight of a name's plain similarity to its own topic beside its margin (1 - this weight): how well it
#: covers the topic beside how well it tells the topic apart (benchmarks/bench_labels.py: 0.4 raised class@1
#: on M10 and FOLDOC and kept lineup@1).
OWN_WEIGHT = 0.4
#: The best candidates of up to PAIRED_WORDS words each, joined in pairs as more candidates ("X and Y"). Four
#: (six pairs) rather than three (benchmarks/bench_labels.py, six corpora): lineup@1 by WordLlama 0.94 -> 1.00 on
#: 20 Newsgroups ("Survivors and Press Secretary" -> "Survivors and Waco"), 0.89 -> 0.92 on GCIDE; class@1 by
#: mpnet 0.88 -> 1.00 on BBC; WordNet's 23 parents lost one or two right class names.
PAIRED = 4
PAIRED_WORDS = 2
#: Penalty for a joined pair beside a single phrase: it reads less as one name.
PAIR_PENALTY = 0.03
#: Weight of the share of the topic's documents that hold the phrase (a name for the whole topic, not a part);
#: a phrase of two or more words only (counted for single words too, their shares turned "Quantum Computing"
#: into "Quantum" and "Google Cloud" into "Google" on the 607k package summaries).
COVERAGE_WEIGHT = 0.1
#: Penalty for a word that is one of a sibling's top KEYWORDS (it names the sibling too).
SIBLING_KEYWORD = 0.05
KEYWORDS = 3
#: Bonus for the LLM's label, when the `llm` aspect ran: a reader's name for the subject ("Organic Chemistry")
#: over a phrase of the topic's own that tells it apart a little better. Its score must still come within this
#: of the best phrase's, so a label that names a sibling or the corpus loses (benchmarks/bench_labels.py
#: --llm-models, six corpora: with Qwen2.5-Coder-1.5B, class@1 by mpnet 0.52 -> 0.59 on GCIDE, 0.40 -> 0.52 on
#: FOLDOC, 0.67 -> 0.83 on M10, lineup@1 0.97 or more in every row; 0.15 cost lineup@1; SmolLM2-135M about even).
LLM_PREFERENCE = 0.1
#: Cosine between two names' embeddings above which they read as the same name.
NEAR_DUPLICATE = 0.95
MAX_WORDS = 6
#: Changes with the way names are chosen, so that names cached by an earlier way are chosen again.
NAMER_VERSION = 10


@dataclass(frozen=True)
class Candidate:
    text: str
    source: str  # "extractive", "llm", "zero-shot", "keywords"
    coverage: float = 0.0  # share of the group's documents that hold it, where known
    parts: tuple[str, ...] = ()  # the group's own phrases a pair joins ("X and Y"), else empty


@dataclass(frozen=True)
class Name:
    title: str
    source: str
    margin: float


class Namer(Aspect):
    """Write `title`, `name_source` and `name_margin` for every topic of the context's table."""

    name = "names"

    @classmethod
    def from_config(cls, config) -> "Namer":
        return cls()

    def transform(self, context: TopicContext) -> dict[str, list]:
        model = context.model
        ids = [int(t) for t in model.topic_ids_ if int(t) != OUTLIER and model.topic_sizes_.get(int(t), 0)]
        rows = context.topics.set_index("topic")
        given = {t: [Candidate(rows.at[t, "label_llm"], "llm")] for t in ids
                 if t in rows.index and "label_llm" in rows and rows.at[t, "label_llm"]}
        fixed = {t: rows.at[t, "name"] for t in ids if t in rows.index and "name" in rows and rows.at[t, "name"]}
        names = name_groups(context, {t: [t] for t in ids}, given, fixed, reserved=context.kept_names,
                            named=context.topic_ids)
        self.report_ = {"sources": dict(sorted(_count(n.source for n in names.values()).items()))}
        return {
            "title": [names[t].title if t in names else "outliers" for t in context.topic_ids],
            "name_source": [names[t].source if t in names else "keywords" for t in context.topic_ids],
            "name_margin": [round(names[t].margin, 4) if t in names else float("nan") for t in context.topic_ids],
        }


def name_groups(context: TopicContext, members: dict[int, list[int]], given: dict[int, list[Candidate]],
                fixed: dict[int, str], reserved: Iterable[str] = (),
                named: Optional[Iterable[int]] = None) -> dict[int, Name]:
    """A name for each group of topics (`members`: group -> topic ids; only the `named` ones when given, the
    others are siblings only) against the other groups: from the group's own phrases and keywords plus
    `given` candidates; `fixed` names are kept as they are, and no group takes a `reserved` name (one shown
    at another level, or kept by a topic an edit left alone). Cached in the label cache by everything the
    names depend on, so relabelling unchanged topics reads them back."""
    reserved = sorted(set(reserved))
    named = sorted(members if named is None else set(named) & set(members))
    if not named:
        return {}
    key = _cache_key(context, members, given, fixed, reserved, named)
    with LabelCache(context.embedding.cache_dir) if context.embedding.cache else nullcontext() as cache:
        found = cache.get([key]) if cache is not None else {}
        if key in found:
            return {int(g): Name(*value) for g, value in json.loads(found[key]).items()}
        names = _name_groups(context, members, given, fixed, reserved, named)
        if cache is not None:
            cache.put(key, json.dumps({g: [n.title, n.source, n.margin] for g, n in names.items()}))
    return names


def _cache_key(context: TopicContext, members: dict[int, list[int]], given: dict[int, list[Candidate]],
               fixed: dict[int, str], reserved: list[str], named: list[int]) -> str:
    model = context.model
    centroids = np.round(np.asarray(model.topic_embeddings_, dtype=np.float64), 4)
    inputs = {
        "settings": [CANDIDATES, PHRASE_BONUS, OWN_WEIGHT, PAIRED, PAIRED_WORDS, PAIR_PENALTY, COVERAGE_WEIGHT,
                     SIBLING_KEYWORD, KEYWORDS, LLM_PREFERENCE, NEAR_DUPLICATE,
                     SAMPLE_DOCUMENTS, SAMPLE_CHARS, MIN_SHARE, FRAGMENT, sorted(STOP)],
        "documents": context.phrases.digest, "centroids": hashlib.sha256(centroids.tobytes()).hexdigest(),
        "words": {str(t): [w for w, _ in model.topic_words_.get(t, [])[:10]] for ts in members.values() for t in ts},
        "members": sorted((int(g), [int(t) for t in ts]) for g, ts in members.items()),
        "given": sorted((int(g), [[c.text, c.source, round(c.coverage, 4)] for c in cs]) for g, cs in given.items()),
        "fixed": sorted((int(g), text) for g, text in fixed.items()), "reserved": reserved, "named": named,
    }
    identity = {"namer": NAMER_VERSION, "model": context.embedding.model, "precision": context.embedding.precision}
    return cache_key(identity, json.dumps(inputs, sort_keys=True))


def _name_groups(context: TopicContext, members: dict[int, list[int]], given: dict[int, list[Candidate]],
                 fixed: dict[int, str], reserved: list[str], named: list[int]) -> dict[int, Name]:
    counts = context.phrases
    found = counts.distinctive(members, CANDIDATES)  # particular against every group, named or not
    documents = {g: counts.documents(members[g]) for g in named}
    keywords = {g: _group_keywords(context.model, ts) for g, ts in members.items()}
    candidates = {g: [Candidate(p, "extractive", share) for p, share in found[g]]
                  + [Candidate(w, "extractive") for w in keywords[g] if re.search(r"[^\W\d_]", w) and well_formed(w)]
                  + [c for c in given.get(g, []) if _readable(c.text, documents[g])] for g in named}
    fixed = {g: text for g, text in fixed.items() if g in candidates}
    centroids = _group_centroids(context, members)
    vectors = context.embed([c.text for cs in candidates.values() for c in cs] + list(fixed.values()))
    pairs = paired(candidates, centroids, vectors)
    vectors.update(context.embed([c.text for cs in pairs.values() for c in cs]))
    candidates = {g: candidates[g] + pairs[g] for g in candidates}
    names = choose_names(candidates, centroids, vectors, keywords, fixed, reserved)
    return {g: Name(_written(n.title, {c.text: c.parts for c in candidates[g] if c.parts}, documents[g])
                    if n.title == n.title.lower() and n.source == "extractive" else n.title, n.source, n.margin)
            for g, n in names.items()}


def _written(text: str, parts: dict[str, tuple[str, ...]], documents: Sequence[str]) -> str:
    """An extractive name as its documents write it; a pair part by part ("NSA and Encryption")."""
    return " and ".join(surface_form(part, documents) for part in parts[text]) if text in parts \
        else surface_form(text, documents)


def paired(candidates: dict[int, list[Candidate]], centroids: dict[int, np.ndarray],
           vectors: dict[str, np.ndarray]) -> dict[int, list[Candidate]]:
    """For each group, its PAIRED best extractive candidates of up to PAIRED_WORDS words that share no root
    (`share_a_root`) and, when one word, `can_be_a_noun`, joined in pairs ("X and Y"). A pair knows no share
    of the documents: the larger of its parts' would count one part's documents for the whole name."""
    _, score = _measures(centroids, vectors)
    pairs = {}
    for group, options in candidates.items():
        singles = [c for c in _unique(options) if c.source == "extractive" and c.text in vectors and not c.parts
                   and len(c.text.split()) <= PAIRED_WORDS and can_be_a_noun(c.text)]
        best: list[Candidate] = []
        for option in sorted(singles, key=lambda c: (-score(c.text, group), c.text)):
            if len(best) == PAIRED:
                break
            if not any(share_a_root(option.text, other.text) for other in best):
                best.append(option)
        pairs[group] = [Candidate(f"{a.text} and {b.text}", "extractive", parts=(a.text, b.text))
                        for i, a in enumerate(best) for b in best[i + 1:]]
    return pairs


def _measures(centroids: dict[int, np.ndarray], vectors: dict[str, np.ndarray]):
    """margin(text, group), the name's similarity to the group's centroid minus the nearest other's, and
    score(text, group), that margin mixed with the similarity itself (OWN_WEIGHT)."""
    groups = list(centroids)
    matrix = np.vstack([centroids[g] for g in groups])
    position = {g: i for i, g in enumerate(groups)}

    def similarity(text: str) -> np.ndarray:
        return matrix @ vectors[text] if text in vectors else np.zeros(len(groups))

    def margin(text: str, group: int) -> float:
        return _margin(similarity(text), position[group])

    def score(text: str, group: int) -> float:
        own = similarity(text)
        return (1 - OWN_WEIGHT) * _margin(own, position[group]) + OWN_WEIGHT * float(own[position[group]])
    return margin, score


def choose_names(candidates: dict[int, list[Candidate]], centroids: dict[int, np.ndarray],
                 vectors: dict[str, np.ndarray], keywords: dict[int, list[str]],
                 fixed: dict[int, str], reserved: Iterable[str] = ()) -> dict[int, Name]:
    """Names for the groups with `candidates` (the others in `centroids` are siblings only): best score
    first (margin mixed with similarity, plus priors), each group takes its best candidate that no sibling
    holds (same words, or cosine above NEAR_DUPLICATE) and is not `reserved`; `fixed` names are placed
    first. A group left without any keeps its `keywords`. Each name carries its margin."""
    margin, score = _measures(centroids, vectors)
    sibling_words = {g: {w for h, ws in keywords.items() if h != g for w in ws} for g in candidates}
    names, taken, taken_vectors = {}, {_words_key(text) for text in reserved}, []

    def take(group: int, name: Name) -> None:
        names[group] = name
        taken.add(_words_key(name.title))
        if name.title in vectors:
            taken_vectors.append(vectors[name.title])

    for group, text in fixed.items():
        take(group, Name(text, "zero-shot", margin(text, group)))
    scored = [(score(option.text, group) + _prior(option, sibling_words[group]), group, option)
              for group, options in candidates.items() for option in _unique(options)]
    for _, group, option in sorted(scored, key=lambda s: (-s[0], s[1], s[2].text)):
        if group in names or _words_key(option.text) in taken:
            continue
        if taken_vectors and option.text in vectors and \
                float(np.max(np.vstack(taken_vectors) @ vectors[option.text])) > NEAR_DUPLICATE:
            continue
        take(group, Name(option.text, option.source, margin(option.text, group)))
    for group in candidates:
        if group not in names:  # no candidate, or every one was taken by a sibling
            text = ", ".join(keywords.get(group, [])) or "(no words)"
            names[group] = Name(text, "keywords", margin(text, group))
    return names


def _unique(options: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per text (case-folded): the one that knows the larger share of the group's documents, as
    a phrase does where the same word also came as a keyword; the first on a tie."""
    kept: dict[str, Candidate] = {}
    for option in options:
        key = option.text.lower()
        if key not in kept or option.coverage > kept[key].coverage:
            kept[key] = option
    return list(kept.values())


def _margin(similarity: np.ndarray, own: int) -> float:
    """Similarity to the own group minus that to the nearest other group (the own one alone: itself)."""
    if len(similarity) < 2:
        return float(similarity[own])
    others = np.delete(similarity, own)
    return float(similarity[own] - others.max())


def _prior(option: Candidate, sibling_words: set[str]) -> float:
    """Small preferences beside the score: two or three words, one phrase rather than a pair, a phrase most
    of the group's documents hold (of two or more words: a word alone is held more widely than any phrase),
    the LLM's label (LLM_PREFERENCE), and not a word that is one of a sibling's top keywords."""
    words = len(option.text.split())
    covers = COVERAGE_WEIGHT * option.coverage if words > 1 else 0.0
    return covers + (PHRASE_BONUS if 2 <= words <= 3 else 0.0) + (LLM_PREFERENCE if option.source == "llm" else 0.0) \
        - (PAIR_PENALTY if option.parts else 0.0) - (SIBLING_KEYWORD if option.text.lower() in sibling_words else 0.0)


def can_be_a_noun(text: str) -> bool:
    """Whether a phrase can stand as one half of "X and Y": any phrase of two or more words, and a word that
    lemminflect's English lexicon reads as a noun or a gerund ("Parsing"), or does not know (names such as
    "NSA", "Waco"). An adjective or a past participle alone reads as half a name ("Firearms and Armed",
    "Shaped and Construction", "Educated and Ironic" on 20 Newsgroups and WordNet; judged about as right as
    before by both judges)."""
    words = text.split()
    if len(words) > 1:
        return True
    word = words[0].lower()
    readings = lemminflect.getAllLemmas(word)
    return not readings or "NOUN" in readings or "PROPN" in readings or ("VERB" in readings and word.endswith("ing"))


def share_a_root(text: str, other: str) -> bool:
    """Whether a word of one begins like a word of the other, so that "X and Y" would say one thing twice
    ("Library and Libraries", "Logging and Logs", "Encryption and Encrypted"): a common start of at least 4
    letters, or of 3 when the shorter word has at most 4."""
    for a, b in itertools.product(*(re.findall(r"[^\W_]+", t.lower()) for t in (text, other))):
        shared = len(os.path.commonprefix([a, b]))
        if shared >= 4 or (shared >= 3 and min(len(a), len(b)) <= 4):
            return True
    return False


def _words_key(text: str) -> frozenset[str]:
    """The words of a name, lower case and without a plural s: "Election Campaigns" = "campaign election"."""
    return frozenset(word.rstrip("s") for word in re.findall(r"[^\W_]+", text.lower()))


def _readable(text: str, documents: Sequence[str]) -> bool:
    """A written label worth scoring: 1-MAX_WORDS words, not "Topic 3", and no number its documents lack."""
    words = text.split()
    if not 1 <= len(words) <= MAX_WORDS or re.match(r"(?i)^topic\b", text):
        return False
    joined = " ".join(documents).lower()
    return all(number.lower() in joined for number in re.findall(r"\S*\d\S*", text))


def _group_keywords(model, topics: list[int]) -> list[str]:
    """The group's best c-TF-IDF words: each topic's top words, weighted by the topic's size."""
    weight: dict[str, float] = {}
    for topic in topics:
        size = model.topic_sizes_.get(topic, 0)
        for word, score in model.topic_words_.get(topic, [])[:10]:
            weight[word] = weight.get(word, 0.0) + float(score) * size
    return sorted(weight, key=lambda w: (-weight[w], w))[:KEYWORDS]


def _group_centroids(context: TopicContext, members: dict[int, list[int]]) -> dict[int, np.ndarray]:
    """Unit centroid of each group's documents: its topics' centroids weighted by their sizes."""
    sizes = context.model.topic_sizes_
    centroids = {}
    for group, topics in members.items():
        vector = sum(context.centroids[t] * max(sizes.get(t, 0), 1) for t in topics)
        centroids[group] = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return centroids


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts
