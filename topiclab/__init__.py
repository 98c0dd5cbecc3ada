"""topiclab: topic modeling and text clustering for exploring corpora, offline, with saved runs.

Layers call only downward: corpus -> embed -> pipeline -> results -> represent -> figures -> report -> cli.
Names below are imported on first use, so `import topiclab` stays cheap (a report kernel that only reopens
a run never loads the embedding or clustering libraries).
"""

from importlib import import_module

__version__ = "0.2.0"  # the only place: pyproject.toml reads it (setuptools dynamic), runs record it

_EXPORTS = {
    "RunConfig": "topiclab.config",
    "Corpus": "topiclab.corpus",
    "load_corpus": "topiclab.corpus",
    "ConfigError": "topiclab.errors",
    "CorpusError": "topiclab.errors",
    "TopicLabError": "topiclab.errors",
    "TopicModel": "topiclab.pipeline",
    "TopicRun": "topiclab.results",
    "load_run": "topiclab.results",
    "relabel": "topiclab.workflow",
    "fit_run": "topiclab.workflow",
    "update_run": "topiclab.workflow",
    "assign_topics": "topiclab.workflow",
    "resolve_config": "topiclab.options",
    "search": "topiclab.search",
    "from_bertopic": "topiclab.interop",
    "export_bertopic": "topiclab.interop",
    "to_bertopic": "topiclab.interop",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'topiclab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
