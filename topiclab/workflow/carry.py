"""What a re-fit keeps from the run it replaces: hand-set labels and edits, moved to the matching topics.

Topics of the old and new fit are matched by the documents they share (by doc_id): each new topic is
paired with the old topic it shares the most documents with, when that covers at least half of either
topic. Hand-set labels follow the match; edits (merges, moves) are replayed on the matched topics. What
cannot be placed is never dropped silently: it is listed in the manifest's `carried` section, and the
labels stay in `manual_labels_unplaced` for the user to set again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from topiclab.results import OUTLIER, TopicRun
from topiclab.workflow.edit import merge, move

#: A pair of topics matches when their shared documents are at least this share of either topic.
MATCH = 0.5


def match_topics(old: pd.DataFrame, new: pd.DataFrame) -> dict[int, tuple[int, float]]:
    """{old topic: (new topic, share of shared documents)} from two document tables with doc_id and topic."""
    joined = old[["doc_id", "topic"]].merge(new[["doc_id", "topic"]], on="doc_id", suffixes=("_old", "_new"))
    if joined.empty:
        return {}
    shared = joined.groupby(["topic_old", "topic_new"]).size().rename("shared").reset_index()
    shared["share"] = np.maximum(shared["shared"] / shared["topic_old"].map(old["topic"].value_counts()),
                                 shared["shared"] / shared["topic_new"].map(new["topic"].value_counts()))
    shared = shared[(shared["share"] >= MATCH) & (shared["topic_old"] != OUTLIER) & (shared["topic_new"] != OUTLIER)]
    matches: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for row in shared.sort_values(["share", "shared"], ascending=False).itertuples():
        if int(row.topic_old) not in matches and int(row.topic_new) not in taken:
            matches[int(row.topic_old)] = (int(row.topic_new), round(float(row.share), 3))
            taken.add(int(row.topic_new))
    return matches


def carry_over(previous: TopicRun | None, run: TopicRun) -> dict:
    """Give `run` (just fitted, same folder) the labels and edits of `previous`; returns what was done."""
    report = {"matched_topics": {}, "labels": {}, "labels_unplaced": {}, "edits": [], "edits_not_replayed": []}
    if previous is None:
        return report
    matches = match_topics(previous.documents, run.documents)
    report["matched_topics"] = {str(old): {"topic": new, "share": share} for old, (new, share) in matches.items()}
    _replay_edits(previous, run, matches, report)
    manual = previous.manifest.get("manual_labels", {})
    unplaced = dict(previous.manifest.get("manual_labels_unplaced", {}))
    for topic, label in manual.items():
        text = label.split(": ", 1)[1] if ": " in label else label
        if int(topic) in matches:
            new = matches[int(topic)][0]
            run.set_label(new, text)
            report["labels"][topic] = new
        else:
            unplaced[topic] = text
            report["labels_unplaced"][topic] = text
    if unplaced:
        run.manifest["manual_labels_unplaced"] = unplaced
    run.topics["parents"] = [sorted({old for old, (new, _) in matches.items() if new == t} | set(parents))
                             for t, parents in zip(run.topics["topic"], run.topics["parents"])]
    run.manifest["carried"] = report
    return report


def _replay_edits(previous: TopicRun, run: TopicRun, matches: dict, report: dict) -> None:
    for edit in previous.manifest.get("edits", []):
        if edit.get("op") == "merge":
            targets = list(dict.fromkeys(matches[t][0] for t in edit["topics"] if t in matches))
            if len(targets) >= 2:
                merge(run, [targets], save=False, in_place=True)
                report["edits"].append({**edit, "replayed_as": targets})
            else:
                report["edits_not_replayed"].append({**edit, "why": "the re-fit already joins or lacks them"})
        elif edit.get("op") == "move":
            target = matches[edit["topic"]][0] if edit["topic"] in matches else None
            present = run.documents["doc_id"].isin(edit["doc_ids"])
            if target is not None and present.any():
                move(run, run.documents.loc[present, "doc_id"].tolist(), target, save=False, in_place=True)
                report["edits"].append({**edit, "replayed_as": target})
            else:
                report["edits_not_replayed"].append({**edit, "why": "its topic has no match in the re-fit"})
        else:
            report["edits_not_replayed"].append({**edit, "why": "splits are not replayed; split the topic again"})
