"""`topiclab search`: documents (or topics) of a saved run that match a query, by words and meaning."""

from __future__ import annotations

from pathlib import Path

import typer

from topiclab.cli.common import RunArgument, app, friendly_errors, printable


@app.command()
@friendly_errors
def search(
    run_dir: Path = RunArgument,
    query: str = typer.Argument(..., help="Words, a phrase or a question."),
    mode: str = typer.Option("hybrid", help="'hybrid' (meaning, lifted by matching words), 'keyword' or "
                                            "'semantic'."),
    topics: bool = typer.Option(False, "--topics", help="Rank topics instead of documents."),
    limit: int = typer.Option(10, min=1, help="How many results."),
) -> None:
    """Search a run's documents (or topics) by words and meaning."""
    from topiclab.results import load_run
    from topiclab.search import search as search_documents
    from topiclab.search import search_topics

    run = load_run(run_dir)
    if topics:
        for row in search_topics(run, query, mode, limit).itertuples():
            typer.echo(f"  {row.score:.3f}  {row.size:>6,}  {printable(row.label)}")
        return
    found = search_documents(run, query, mode, limit)
    if found.empty:
        typer.echo("No document matches.")
    for row in found.itertuples():
        snippet = " ".join(printable(row.text).split())[:100]
        typer.echo(f"  {row.score:.3f}  [{printable(row.label)[:30]}]  {snippet}")
