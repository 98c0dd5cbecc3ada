"""The `topiclab` command line. Each command lives in its own module and registers on `app`; the import
order below is the order of `topiclab --help`."""

from topiclab.cli import fit  # noqa: F401, I001  (fit)
from topiclab.cli import report  # noqa: F401  (report, demo, batch)
from topiclab.cli import update  # noqa: F401  (update, assign)
from topiclab.cli import edit  # noqa: F401  (levels, merge, split, move)
from topiclab.cli import label  # noqa: F401  (label, set-label)
from topiclab.cli import search  # noqa: F401  (search)
from topiclab.cli import figures  # noqa: F401  (figures)
from topiclab.cli import data  # noqa: F401  (data)
from topiclab.cli import interop  # noqa: F401  (import-bertopic, export-bertopic)
from topiclab.cli import warmup  # noqa: F401  (warmup)
from topiclab.cli.common import app


def main() -> None:
    app(prog_name="topiclab")


__all__ = ["app", "main"]
