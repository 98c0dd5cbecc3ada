"""Models from other topic-modeling tools in and out of topiclab runs (BERTopic: `bertopic.py` in, `bertopic_export.py` out).

Names are imported on first use: reading a BERTopic folder needs neither BERTopic nor torch.
"""

from importlib import import_module

_EXPORTS = {"from_bertopic": "bertopic", "export_bertopic": "bertopic_export", "to_bertopic": "bertopic_export",
            "read_bertopic": "bertopic", "SavedBERTopic": "bertopic_files"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"topiclab.interop.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'topiclab.interop' has no attribute {name!r}")
