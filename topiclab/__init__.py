"""topiclab: topic modeling and text clustering for exploring corpora, offline, with saved runs.

Layers call only downward: corpus -> embed -> pipeline -> results -> represent -> figures -> report -> cli.
"""

from topiclab.config import RunConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.errors import ConfigError, CorpusError, TopicLabError
from topiclab.represent import relabel
from topiclab.results import TopicRun, load_run
from topiclab.workflow import fit_run, resolve_config

__version__ = "0.1.0"
__all__ = ["ConfigError", "Corpus", "CorpusError", "RunConfig", "TopicLabError", "TopicRun", "fit_run",
           "load_corpus", "load_run", "relabel", "resolve_config"]
