"""What users do with runs, strung through the layers: fit, update with new documents, assign topics to new
text, edit topics (merge, split, move, granularity), relabel them, and carry labels and edits through re-fits.

Names are imported on first use: a process that only fits does not load the editing code, and so on.
"""

from importlib import import_module

_EXPORTS = {"fit_run": "fit", "resolve_config": "fit", "assign_topics": "update", "update_run": "update",
            "merge": "edit", "move": "edit", "relabel": "label", "set_level": "level", "split": "edit"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"topiclab.workflow.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'topiclab.workflow' has no attribute {name!r}")
