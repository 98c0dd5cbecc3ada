"""Errors a user can act on.

Every message names the file, column, row or setting that is wrong and says how to fix it, so the
CLI can print it as it is, without a traceback.
"""


class TopicLabError(Exception):
    """Base class: the message is meant for the user and is shown without a traceback."""


class CorpusError(TopicLabError):
    """The corpus file or its columns cannot be used as given."""


class ConfigError(TopicLabError):
    """A configuration value is missing, unknown or out of range."""


class EmbeddingError(TopicLabError):
    """The embedding model cannot be loaded or the embeddings do not fit the corpus."""


class CacheError(TopicLabError):
    """The embedding or label cache cannot be used (for example, a directory that is not writable)."""


class RunError(TopicLabError):
    """A saved run directory is missing files or was written by an incompatible version."""


class EmbeddingMismatch(RunError):
    """The embedding model at hand gives vectors of another size than the ones a run was fitted on."""


class ReportError(TopicLabError):
    """A report or batch cannot run as asked (its notebook failed, its batch file is invalid, ...)."""


class ComputeError(TopicLabError):
    """The Dask cluster cannot be reached, has no workers, or its workers cannot read the partitions."""


class FigureError(TopicLabError):
    """A figure cannot be drawn from this run (a column, projection or aspect it needs is missing)."""
