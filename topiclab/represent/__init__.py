"""Topic representations beside c-TF-IDF words: KeyBERTInspired, MMR, chains of them, LLM labels, names,
and the named hierarchy of the topics.

One small module per representation behind one interface (`Aspect`), as in BERTopic's
`bertopic.representation`; `represent_topics` adds their columns to a run's topic table
(`topiclab.workflow.relabel` recomputes them for a saved run without refitting).
"""

from topiclab.represent.base import Aspect, Chain, TopicContext, WordAspect
from topiclab.represent.hierarchy import configured_hierarchy, hierarchy_table, kept_names
from topiclab.represent.keybert import KeyBERT
from topiclab.represent.llm import LLMLabeler, LocalGGUF, LocalTransformers, OpenAICompatible
from topiclab.represent.mmr import MMR
from topiclab.represent.names import Namer
from topiclab.represent.stage import display_labels, keyword_label, make_aspects, represent_topics

__all__ = ["Aspect", "Chain", "KeyBERT", "LLMLabeler", "LocalGGUF", "LocalTransformers", "MMR", "Namer",
           "OpenAICompatible", "TopicContext", "WordAspect", "configured_hierarchy", "display_labels",
           "hierarchy_table", "kept_names", "keyword_label", "make_aspects", "represent_topics"]
