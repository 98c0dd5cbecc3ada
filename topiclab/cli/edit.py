"""`topiclab levels|merge|split|move`: change a saved run's topics by hand, without refitting."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.cli.common import RunArgument, app, friendly_errors, printable
from topiclab.cli.fit import print_topics


@app.command()
@friendly_errors
def levels(
    run_dir: Path = RunArgument,
    use: Optional[str] = typer.Option(None, "--use", help="Switch the run to this level (a number, or 'auto' for "
                                                          "the granularity rule's choice); labels set by hand follow."),
) -> None:
    """List the granularities the fit found (finest first), or switch the run to another one (seconds: no
    re-embedding, no re-reduction)."""
    from topiclab.results import load_run
    from topiclab.workflow import set_level

    run = load_run(run_dir)
    if use is not None:
        run = set_level(run, int(use) if use.strip().isdigit() else use.strip())
        typer.echo(f"{run.path} now uses level {int(run.levels.loc[run.levels['chosen'], 'level'].iloc[0])}: "
                   f"{len(run.topics)} topics")
        print_topics(run)
        return
    if run.levels is None:
        typer.echo("This run has one level.")
        return
    typer.echo("level  topics  persistence")
    for row in run.levels.itertuples():
        typer.echo(f"{row.level:>5}  {row.topics:>6}  {row.persistence:>11.1f}" + ("  (chosen)" if row.chosen else ""))
    votes = run.level_votes
    if votes:
        typer.echo(f"'auto' took the layer nearest the median of this layout's choice and {len(votes)} other "
                   f"layouts' ({', '.join(map(str, votes))} topics; topics.level_votes).")


@app.command()
@friendly_errors
def merge(
    run_dir: Path = RunArgument,
    topics: List[int] = typer.Argument(..., help="Topics to merge; the first keeps its id (and label)."),
) -> None:
    """Merge topics into the first one given and save the run."""
    from topiclab.workflow import merge as merge_topics

    run = merge_topics(run_dir, [topics])
    typer.echo(f"Merged topics {', '.join(map(str, topics))} into {topics[0]} in {run.path}.")
    print_topics(run)


@app.command()
@friendly_errors
def split(
    run_dir: Path = RunArgument,
    topic: int = typer.Argument(..., help="The topic to split."),
    parts: Optional[int] = typer.Option(None, min=2, help="Number of parts (default: the clusters its documents "
                                                          "form)."),
) -> None:
    """Split a topic into parts; the largest keeps the id, the others get new ids."""
    from topiclab.workflow import split as split_topic

    run = split_topic(run_dir, topic, parts)
    typer.echo(f"Split topic {topic} of {run.path}.")
    print_topics(run)


@app.command()
@friendly_errors
def move(
    run_dir: Path = RunArgument,
    topic: int = typer.Argument(..., help="The topic the documents go to (a new number makes a new topic)."),
    doc_ids: Optional[List[str]] = typer.Option(None, "--doc-id", help="A document's id; repeatable."),
    ids_file: Optional[Path] = typer.Option(None, "--ids-file", exists=True, dir_okay=False,
                                            help="A text file with one doc_id per line."),
) -> None:
    """Move documents to a topic by hand; a re-fit of the run keeps the move."""
    from topiclab.errors import ConfigError
    from topiclab.workflow import move as move_documents

    chosen = list(doc_ids or [])
    if ids_file is not None:
        chosen += [line.strip() for line in ids_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not chosen:
        raise ConfigError("Name the documents to move with --doc-id ID (repeatable) or --ids-file FILE.")
    run = move_documents(run_dir, chosen, topic)
    label = run.topic_labels.get(topic, str(topic))
    typer.echo(f"Moved {len(set(chosen))} document(s) to {printable(label)} in {run.path}.")
