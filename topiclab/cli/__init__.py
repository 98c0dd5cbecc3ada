"""The `topiclab` command line. Each command lives in its own module and registers on `app`."""

from topiclab.cli import figures  # noqa: F401  (registers figures)
from topiclab.cli import fit  # noqa: F401  (registers fit)
from topiclab.cli import label  # noqa: F401  (registers label, set-label)
from topiclab.cli import report  # noqa: F401  (registers report, demo, batch)
from topiclab.cli.common import app


def main() -> None:
    app(prog_name="topiclab")


__all__ = ["app", "main"]
