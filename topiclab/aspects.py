"""The one registry of topic aspects (word re-rankings, written labels, names), keyed by name.

Config's allowed values (`labels.aspects`, `labels.display`), the CLI's help and the report's columns are
all read from here, so adding an aspect is its module in `topiclab.represent` plus one entry below, or an
installed package's module that calls `register_aspect` (entry-point group "topiclab.aspects", see
topiclab.plugins). The registry is data at the bottom layer: each entry names its maker by import path
("module:callable", a callable taking the RunConfig), which only `topiclab.represent.stage` resolves, so
configuration never imports the representation code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from topiclab.plugins import load_plugins


@dataclass(frozen=True)
class AspectInfo:
    """What one aspect is called, how it is built, and which topic-table columns the report shows."""

    help: str
    maker: str                                              # "module:callable(config) -> Aspect"
    #: the topic-table columns it writes (beside `words_<name>`, `word_scores_<name>`) -> their report column title
    #: (None: not a report column of its own)
    columns: dict[str, Optional[str]] = field(default_factory=dict)
    after: bool = False                                     # reads the other aspects' columns: runs last


ASPECTS: dict[str, AspectInfo] = {
    "keybert": AspectInfo("KeyBERTInspired: c-TF-IDF words re-ranked by similarity to the topic",
                          "topiclab.represent.keybert:KeyBERT.from_config", {"words_keybert": "KeyBERT words"}),
    "mmr": AspectInfo("maximal marginal relevance: relevant words that are not near-synonyms",
                      "topiclab.represent.mmr:MMR.from_config", {"words_mmr": "MMR words"}),
    "keybert_mmr": AspectInfo("KeyBERTInspired then MMR", "topiclab.represent.mmr:keybert_mmr",
                              {"words_keybert_mmr": "KeyBERT + MMR words"}),
    "llm": AspectInfo("a label written by a language model (labels.llm)", "topiclab.represent.llm:llm_labeler",
                      {"label_llm": "LLM label"}),
    "names": AspectInfo("a short name chosen from the topic's own phrases (and the LLM's label, when configured) "
                        "as the one closest to its documents and furthest from its siblings; offline",
                        "topiclab.represent.names:Namer.from_config",
                        {"title": None, "name_source": "Name chosen by", "name_margin": "Name margin"}, after=True),
}

#: What `labels.display` may name besides an aspect: the c-TF-IDF words.
KEYWORDS = "keywords"
#: The entry-point group under which installed packages add aspects.
PLUGIN_GROUP = "topiclab.aspects"


def register_aspect(name: str, info: AspectInfo) -> None:
    """Add the aspect `name` (an extension's module calls this when it is imported)."""
    if not name.isidentifier() or name == KEYWORDS:
        raise ValueError(f"An aspect's name must be a Python identifier other than {KEYWORDS!r}, not {name!r}")
    ASPECTS[name] = info


def is_registered(name: str) -> bool:
    """Whether `name` is an aspect, once installed extensions are loaded (only when it is not yet)."""
    if name not in ASPECTS:
        load_plugins(PLUGIN_GROUP)
    return name in ASPECTS


def aspect_help() -> str:
    """One line per aspect, for config descriptions and CLI help."""
    return "; ".join(f"'{name}' ({info.help})" for name, info in ASPECTS.items())
