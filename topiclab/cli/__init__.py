"""The `topiclab` command line. Each command lives in its own module and registers on `app`."""

from topiclab.cli import fit  # noqa: F401  (registers fit, demo)
from topiclab.cli.common import app


def main() -> None:
    app(prog_name="topiclab")


__all__ = ["app", "main"]
