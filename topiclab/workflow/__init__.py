"""What users do with runs, strung through the layers: fit, update with new documents, assign topics to new
text, edit topics (merge, split, move, granularity), and carry labels and edits through re-fits."""

from topiclab.workflow.edit import merge, move, set_level, split
from topiclab.workflow.fit import fit_run, resolve_config
from topiclab.workflow.update import assign_topics, update_run

__all__ = ["assign_topics", "fit_run", "merge", "move", "resolve_config", "set_level", "split", "update_run"]
