"""Another granularity of a saved run: topics from another layer of its cluster tree, without re-embedding
or re-reducing. Like a re-fit, the new topics take over the hand-set labels and edits of the matching old
ones (see `carry.py`), which is why this sits above both `edit.py` and `carry.py`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Union

from topiclab.errors import ConfigError
from topiclab.results import TopicRun
from topiclab.workflow.carry import carry_over
from topiclab.workflow.edit import RunLike, open_run, rebuild


def set_level(run: RunLike, level: Union[int, str], save: bool = True, in_place: bool = False) -> TopicRun:
    """Topics from another granularity of the fitted cluster tree ('auto': the granularity rule's choice), without
    re-embedding or re-reducing. Hand-set labels move to the matching topics; earlier edits are replayed.
    Like the edits, it returns a new run and leaves a TopicRun passed in as it was, unless `in_place`."""
    run, model = open_run(run, in_place)
    if run.documents["batch"].max() > 0:
        raise ConfigError("This run has online updates; choose the level before updating, or fit it again.")
    previous = TopicRun(run.documents.copy(), run.topics.copy(), run.config, dict(run.manifest))
    labels = run.documents["label"].tolist() if "label" in run.documents else None
    model.set_level(level, run.documents["text"].tolist(), labels, embeddings=run.embeddings)
    run.config = model.config
    run.manifest.pop("manual_labels", None)
    run.manifest["edits"] = []
    rebuild(run, model, changed=None)
    carry_over(previous, run)
    chosen = {"level": model.level_, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    run.manifest.setdefault("levels_chosen", []).append(chosen)
    if save and run.path is not None:
        run.save()
    return run
