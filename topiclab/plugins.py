"""Extensions installed as packages: modules named under an entry-point group are imported once, and
register what they add (clustering methods: `topiclab.clusterers`, figures: `topiclab.figures`).

A package declares them in its pyproject.toml, e.g.
`[project.entry-points."topiclab.figures"] my_figure = "my_package.my_figure"`. Entry points rather than a
setting, because a report's notebook runs in its own kernel: it finds the same installed extensions
without being told, and a run folder never names code to import.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points


@functools.cache
def load_plugins(group: str) -> tuple[str, ...]:
    """Import every module registered under `group` (once per process); their names."""
    found = entry_points(group=group)
    for entry in found:
        entry.load()
    return tuple(entry.name for entry in found)
