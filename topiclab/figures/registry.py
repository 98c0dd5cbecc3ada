"""Every figure by name, with what the report says about it: one entry per figure module.

A figure module draws from a `TopicRun` and registers itself with `register_figure`, giving the report
section's heading, a note on how to read the figure (markup written by us: no data goes into it), the
test that says whether a run can draw it, and what the report says when it cannot. The report notebook,
`topiclab figures` and `available_figures` read this registry, so a new figure is its module (imported in
`topiclab.figures`, or installed under the entry-point group "topiclab.figures") and its test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from topiclab.results import OUTLIER, TopicRun

#: The entry-point group under which installed packages add figures (see topiclab.plugins).
PLUGIN_GROUP = "topiclab.figures"


@dataclass(frozen=True)
class Figure:
    name: str
    draw: Callable[..., Any]            # run -> a plotly Figure, or a DocumentMap page
    title: str                          # the report section's heading
    about: str                          # the report's note on how to read it (HTML, no data)
    applies: Callable[[TopicRun], bool]  # can this run draw it?
    missing: str                        # the report's note when it cannot (HTML, no data)
    position: int                       # reading order in reports and `topiclab figures`
    map_points: bool                    # draw takes `max_points` (the document maps)

    def __call__(self, run: TopicRun, max_points: Optional[int] = None) -> Any:
        """Draw it; `max_points` reaches only the figures that sample points."""
        return self.draw(run, max_points=max_points) if self.map_points else self.draw(run)


#: Figures by name, in reading order.
FIGURES: dict[str, Figure] = {}


def register_figure(name: str, *, title: str, about: str, position: int, applies: Callable[[TopicRun], bool] = None,
                    missing: str = "", map_points: bool = False) -> Callable:
    """Register the decorated drawing function as figure `name` (see the module docstring)."""

    def decorate(draw: Callable) -> Callable:
        FIGURES[name] = Figure(name, draw, title, about, applies or (lambda run: True), missing, position,
                               map_points)
        ordered = sorted(FIGURES.values(), key=lambda figure: figure.position)
        FIGURES.clear()
        FIGURES.update((figure.name, figure) for figure in ordered)
        return draw

    return decorate


def available_figures(run: TopicRun) -> list[str]:
    """Names in FIGURES that this run can draw (a map needs projections, over time a timestamp, ...)."""
    return [name for name, figure in FIGURES.items() if figure.applies(run)]


def topic_count(run: TopicRun) -> int:
    """Topics in the run, outliers not counted."""
    return int((run.topics["topic"] != OUTLIER).sum())


def compares_topics(run: TopicRun) -> bool:
    """Whether the run has two topics or more, with their vectors, to compare."""
    return topic_count(run) >= 2 and run.topic_embeddings is not None
