"""Candidate names from groups of documents: the 1-3 word phrases most particular to each group.

c-TF-IDF over phrases rather than words: each phrase's share of a group's documents, times how rare it is
across the groups (log(1 + mean group size / documents holding it anywhere)). Counting documents, not
occurrences, keeps one long document from naming its topic. Phrases run over letters only, so a name never
carries a number or version string, and must start and end with a content word ("bank of england", not
"of the bank") and not be the front or back of a longer phrase ("ibm operating" of "ibm operating system").
A seeded sample of each group's documents, cut to their first characters, bounds the cost on large corpora. `surface_form` gives a chosen phrase back its usual capitals ("NHS", "New York").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

#: Documents read per group, and characters read per document.
SAMPLE_DOCUMENTS = 60
SAMPLE_CHARS = 800
#: Letters only (two or more), so numbers and version strings never enter a name.
TOKEN = r"(?u)\b[^\W\d_]{2,}\b"
#: Words that carry no subject at either end of a phrase, beside sklearn's English stop words.
FILLERS = frozenset({
    "said", "says", "say", "just", "like", "also", "told", "did", "does", "got", "use", "using", "used", "want",
    "know", "think", "make", "way", "thing", "things", "lot", "year", "years", "time", "good", "new", "people",
    "really", "going", "yes", "thanks", "hi", "hey", "hello", "im", "dont",
    # words that relate a thing to another rather than name it ("fishes comprising", "having the color")
    "having", "comprising", "consisting", "relating", "related", "including", "involving", "containing",
    "characterized", "belonging", "especially", "usually", "often", "various", "certain", "particular", "etc",
    "pertaining", "occurring", "obtained", "denoting", "designating", "resembling", "derived", "called",
    "providing", "allowing", "enabling", "supporting", "helping", "provides", "allows", "enables", "supports",
    "helps", "lets", "easily", "quickly",
    # praise that names nothing ("Simple Django", "Lightweight Wrapper"), and "based" split from "X-based"
    "simple", "easy", "lightweight", "light-weight", "powerful", "awesome", "useful", "based"})
#: Nouns in scikit-learn's English stop words that name subjects ("Operating System", "Interest Rates").
SUBJECTS = frozenset({"bill", "call", "fire", "interest", "mill", "system"})
STOP = (frozenset(ENGLISH_STOP_WORDS) - SUBJECTS) | FILLERS
#: Punctuation that ends a phrase ("game. ESPN" is not the phrase "game ESPN"), replaced by BREAK.
BOUNDARY = re.compile(r"[.,;:!?()\[\]{}\"<>|=*#@]+|\n\s*\n|\s[-–—]+\s")
BREAK = " zzbreakzz "
#: A hyphen between letters joins a compound into one word ("fine-tuning", "python-based"), so that no
#: phrase starts or ends inside one ("LLM Fine", "Based Wrapper"); JOINER stands in for it while counting.
HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
JOINER = "zzhyphenzz"
#: Share of a phrase's documents in which one longer phrase holds it, from which it is a fragment of that one.
FRAGMENT = 0.8
#: Least share of a group's sampled documents a phrase must appear in.
MIN_SHARE = 0.02
#: Longest word in capitals read as an acronym ("NASA"); a longer one is a title in capitals ("NETWORKS").
ACRONYM_LETTERS = 5
SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "with"})


@dataclass
class PhraseCounts:
    """How many sampled documents of each topic hold each well-formed phrase, counted once (on first use) and
    summed into any grouping of the topics (the topics themselves, their parents)."""

    samples: dict[int, list[str]]  # topic -> its sampled documents (cut), for capitals and number checks
    sizes: dict[int, int]          # topic -> all its documents

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the samples and sizes: what names computed from these counts depend on."""
        hasher = hashlib.sha256(json.dumps(sorted(self.sizes.items())).encode())
        for topic in sorted(self.samples):
            hasher.update("\x1e".join(self.samples[topic]).encode("utf-8", "replace") + b"\x1d")
        return hasher.hexdigest()

    @cached_property
    def counted(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """The phrases (lower case), and the sampled documents of each topic holding each (topics x phrases)."""
        return _count(self.samples)

    @classmethod
    def from_documents(cls, texts: Sequence[str], topics: np.ndarray, seed: int = 0) -> "PhraseCounts":
        """Counts over up to SAMPLE_DOCUMENTS documents of each topic in `topics` (one per text; -1 left out)."""
        topics = np.asarray(topics)
        order = np.argsort(topics, kind="stable")
        ids, starts, sizes = np.unique(topics[order], return_index=True, return_counts=True)
        rng = np.random.default_rng(seed)
        samples = {}
        for topic, rows in zip(ids, np.split(order, starts[1:])):
            if int(topic) < 0:
                continue
            if len(rows) > SAMPLE_DOCUMENTS:
                rows = np.sort(rng.choice(rows, SAMPLE_DOCUMENTS, replace=False))
            samples[int(topic)] = [str(texts[i])[:SAMPLE_CHARS] for i in rows]
        sizes = {int(t): int(n) for t, n in zip(ids, sizes) if int(t) >= 0}
        return cls(samples, sizes)

    def distinctive(self, members: dict[int, list[int]], n: int) -> dict[int, list[tuple[str, float]]]:
        """The `n` phrases most particular to each group of topics (`members`: group -> topic ids), best first,
        with their shares of the group's documents: each phrase's estimated share of the group's documents (its topics' sample shares weighted by their
        sizes) times its rarity across the groups."""
        topics = list(self.samples)
        row = {t: i for i, t in enumerate(topics)}
        groups = list(members)
        weights = np.zeros((len(groups), len(topics)), np.float32)
        for g, group in enumerate(groups):
            for topic in members[group]:
                if topic in row:
                    weights[g, row[topic]] = self.sizes[topic] / max(len(self.samples[topic]), 1)
        sizes = np.maximum(np.asarray([sum(self.sizes.get(t, 0) for t in members[g]) for g in groups], np.float32), 1)
        terms, held = self.counted
        estimated = sp.csr_matrix(sp.csr_matrix(weights) @ held)  # documents of each group holding each phrase
        rarity = np.log1p(sizes.mean() / np.maximum(np.asarray(estimated.sum(axis=0)).ravel(), 1.0))
        sampled = np.asarray([sum(len(self.samples.get(t, [])) for t in members[g]) for g in groups])
        found = {}
        for g, group in enumerate(groups):
            start, end = estimated.indptr[g], estimated.indptr[g + 1]
            columns, share = estimated.indices[start:end], estimated.data[start:end] / sizes[g]
            enough = share * sampled[g] >= min(2.0, sampled[g]) - 1e-6
            enough &= share >= MIN_SHARE
            columns, share = columns[enough], share[enough]
            best = np.argsort(-share * rarity[columns], kind="stable")[:n]
            found[group] = [(str(terms[columns[i]]), float(share[i])) for i in best]
        return found

    def documents(self, topics: list[int]) -> list[str]:
        return [doc for t in topics for doc in self.samples.get(t, [])]


def _count(samples: dict[int, list[str]]) -> tuple[np.ndarray, sp.csr_matrix]:
    topics = list(samples)
    documents = [doc for t in topics for doc in samples[t]]
    if not documents:
        return np.array([], dtype=object), sp.csr_matrix((len(topics), 0), dtype=np.float32)
    vectorizer = CountVectorizer(ngram_range=(1, 3), token_pattern=TOKEN, binary=True, dtype=np.float32,
                                 preprocessor=_with_breaks, min_df=2 if len(documents) > 20 else 1)
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError:  # no phrase at all (empty or letter-less documents)
        return np.array([], dtype=object), sp.csr_matrix((len(topics), 0), dtype=np.float32)
    terms = np.asarray([term.replace(JOINER, "-") for term in vectorizer.get_feature_names_out()], dtype=object)
    formed = np.flatnonzero([well_formed(term) for term in terms])
    keep = formed[~_fragments(terms[formed], np.asarray(counts.sum(axis=0)).ravel()[formed])]
    owner = np.repeat(np.arange(len(topics)), [len(samples[t]) for t in topics])
    indicator = sp.csr_matrix((np.ones(len(documents), np.float32), (owner, np.arange(len(documents)))),
                              shape=(len(topics), len(documents)))
    return terms[keep], sp.csr_matrix(indicator @ counts[:, keep])


def _fragments(terms: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Which of the well-formed phrases `terms` (held by `held` documents) are cut from a longer one of them:
    one word more, before or after, that holds it in at least FRAGMENT of the documents holding it ("ibm
    operating" of "ibm operating system"), so that a name is never the front or back of a longer name."""
    held_within: dict[str, float] = {}  # phrase -> most documents holding one phrase a word longer that holds it
    for term, count in zip(terms, held):
        words = term.split()
        if len(words) > 1:
            for part in (" ".join(words[:-1]), " ".join(words[1:])):
                held_within[part] = max(held_within.get(part, 0.0), float(count))
    return np.asarray([held_within.get(term, 0.0) >= FRAGMENT * count for term, count in zip(terms, held)], dtype=bool)


def _with_breaks(text: str) -> str:
    return HYPHEN.sub(JOINER, BOUNDARY.sub(BREAK, text.lower()))


def well_formed(phrase: str) -> bool:
    """A phrase that can name something: it starts and ends with a content word and repeats none."""
    words = phrase.lower().split()
    return words[0] not in STOP and words[-1] not in STOP and len(set(words)) == len(words) \
        and BREAK.strip() not in words


def surface_form(phrase: str, documents: Sequence[str]) -> str:
    """`phrase` as its documents most often write it, title-cased where they write it in lower case."""
    pattern = re.compile(r"\b" + r"[\W_]+".join(map(re.escape, phrase.split())) + r"\b", re.IGNORECASE)
    forms = Counter(" ".join(_unshouted(word.strip("-")) for word in re.split(r"[^\w-]+|_+", m.group(0)))
                    for doc in documents[:60] for m in pattern.finditer(doc))
    written = forms.most_common(1)[0][0].strip() if forms else phrase
    written = written if len(written.split()) == len(phrase.split()) else phrase
    return title_case(written)


def _unshouted(word: str) -> str:
    """A word in capitals as a title writes it ("ORIGINAL" -> "original"); a short acronym ("NASA") kept."""
    return word.lower() if word.isupper() and len(word) > ACRONYM_LETTERS else word


def title_case(phrase: str) -> str:
    """Capitalise the words written in lower case, small joining words apart ("Bank of England"); a word
    with capitals of its own keeps them ("iPhone", "NHS")."""
    words = phrase.split()
    return " ".join(word if word != word.lower() or (i and word in SMALL_WORDS) else word[:1].upper() + word[1:]
                    for i, word in enumerate(words))
