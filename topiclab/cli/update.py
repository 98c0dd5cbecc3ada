"""`topiclab update` adds a corpus's new documents to a saved run; `topiclab assign` says which topic each
document of a corpus would get, without changing the run."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from topiclab.cli.common import RunArgument, app, friendly_errors, printable
from topiclab.cli.fit import print_topics
from topiclab.options import COMPUTE, CORPUS, with_options


@app.command()
@friendly_errors
@with_options(CORPUS, COMPUTE)
def update(
    run_dir: Path = RunArgument,
    corpus: Path = typer.Argument(..., help="New documents: CSV, TSV, Parquet, JSONL, or a folder of .txt files."),
    given_settings: dict = None,
) -> None:
    """Add new documents to a saved run without refitting: existing topics keep their ids and grow, documents
    that fit none can form new topics, and the manifest logs the update."""
    from topiclab.workflow import update_run

    columns = {key.removeprefix("corpus."): value for key, value in given_settings.items() if key.startswith("corpus.")}
    run = update_run(run_dir, corpus, scheduler=given_settings.get("compute.scheduler"), **columns)
    last = run.manifest["updates"][-1]
    typer.echo(f"Added {last['n_documents']:,} documents to {run.path} ({len(run.documents):,} in all); "
               f"{len(last['new_topics'])} new topic(s)"
               + (f"; skipped {last['skipped_known_doc_ids']:,} already in the run" if last["skipped_known_doc_ids"]
                  else ""))
    print_topics(run)


@app.command()
@friendly_errors
@with_options(CORPUS)
def assign(
    run_dir: Path = RunArgument,
    corpus: Path = typer.Argument(..., help="Documents to assign: CSV, TSV, Parquet, JSONL, or a folder of .txt."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="CSV to write (default: print the first "
                                                                       "rows)."),
    given_settings: dict = None,
) -> None:
    """Which topic each document of CORPUS would get in the run (the run is not changed)."""
    from topiclab.corpus import load_corpus
    from topiclab.files import write_text
    from topiclab.results import load_run
    from topiclab.workflow import assign_topics

    run = load_run(run_dir)
    columns = {key.removeprefix("corpus."): value for key, value in given_settings.items() if key.startswith("corpus.")}
    documents = load_corpus(corpus, run.config.corpus.model_copy(update={"sample": None, **columns}))
    assigned = assign_topics(run, documents.texts)
    assigned.insert(0, "doc_id", documents.documents["doc_id"].to_numpy())
    if output is not None:
        from topiclab.files import spreadsheet_safe

        write_text(output, spreadsheet_safe(assigned).to_csv(index=False))
        typer.echo(f"Wrote the topics of {len(assigned):,} documents to {output}.")
        return
    for row in assigned.head(20).itertuples():
        typer.echo(f"  {printable(row.doc_id)[:24]:<24} {row.probability:.2f}  {printable(row.label)}")
