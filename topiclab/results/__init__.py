"""One run's artifacts, saved to and loaded from a run folder."""

from topiclab.results.run import OUTLIER, TopicRun
from topiclab.results.store import load_model, load_run
from topiclab.results.writer import save_run

__all__ = ["OUTLIER", "TopicRun", "load_model", "load_run", "save_run"]
