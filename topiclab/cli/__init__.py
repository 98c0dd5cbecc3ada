"""The `topiclab` command line. Each command lives in its own module and registers on `app`."""

from topiclab.cli import (
    data,  # noqa: F401  (registers data)
    figures,  # noqa: F401  (registers figures)
    fit,  # noqa: F401  (registers fit)
    label,  # noqa: F401  (registers label, set-label)
    report,  # noqa: F401  (registers report, demo, batch)
)
from topiclab.cli.common import app


def main() -> None:
    app(prog_name="topiclab")


__all__ = ["app", "main"]
