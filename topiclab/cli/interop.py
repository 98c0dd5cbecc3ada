"""`topiclab import-bertopic` and `topiclab export-bertopic`: BERTopic models in and out of topiclab runs."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.cli.common import ConfigOption, RunArgument, SetOption, app, friendly_errors, overrides_from, printable
from topiclab.cli.fit import print_summary
from topiclab.cli.report import KernelOption, TitleOption, print_result
from topiclab.options import BY_NAME, CORPUS, LABELS, with_options


@app.command("import-bertopic")
@friendly_errors
@with_options(CORPUS, LABELS)
def import_bertopic(
    model_dir: Path = typer.Argument(..., help="A BERTopic model folder, saved with serialization='safetensors' "
                                               "(or 'pytorch'). A pickled model is refused."),
    corpus: Path = typer.Argument(..., help="The documents the model was fitted on, in the same order: CSV, TSV, "
                                            "Parquet, JSONL, or a folder of .txt files."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Report folder: the run goes to OUTPUT/run, "
                                          "the report to OUTPUT/report.html (default: outputs/<model folder>)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Embedding model for the document vectors when "
                                        "topiclab cannot load the BERTopic model's own offline: "
                                        + BY_NAME["model"].description()),
    reassign_outliers: bool = typer.Option(False, "--reassign-outliers", help="Give BERTopic's outliers (-1) the "
                                           "topic of their nearest documents (topiclab's rule); default: keep -1."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write the HTML report (default) or only the run."),
    title: Optional[str] = TitleOption,
    config: Optional[Path] = ConfigOption,
    settings: Optional[List[str]] = SetOption,
    kernel: Optional[str] = KernelOption,
    given_settings: dict = None,
) -> None:
    """Turn a saved BERTopic model and its documents into a topiclab run (topics, words, labels and topic
    embeddings kept), with its report: maps, hierarchy, metrics, and edits, names and `assign` afterwards."""
    from topiclab.files import slugify
    from topiclab.interop.bertopic import bertopic_settings, from_bertopic, read_bertopic

    saved = read_bertopic(model_dir)
    overrides = {**bertopic_settings(saved, reassign_outliers),
                 **overrides_from({**given_settings, "embedding.model": model}, settings)}
    output = output or Path("outputs") / slugify(model_dir.resolve().name, "bertopic")
    run = from_bertopic(saved, corpus, config=config, path=output / "run", name=slugify(output.resolve().name, "run"),
                        reassign_outliers=reassign_outliers, progress=True, **overrides)
    print_summary(run)
    if report:
        from topiclab.report import make_report

        typer.echo(f"Writing the report to {printable(output)}/ ...")
        print_result(make_report(corpus, output, config=config, settings=overrides, title=title, kernel=kernel))


@app.command("export-bertopic")
@friendly_errors
def export_bertopic(
    run_dir: Path = RunArgument,
    output: Path = typer.Argument(..., help="Folder to write the BERTopic model to (safetensors)."),
) -> None:
    """Write a run as a BERTopic model folder that `BERTopic.load(OUTPUT)` opens: topics, sizes, c-TF-IDF words
    and scores, labels as custom labels, topic embeddings and the embedding model's name."""
    from topiclab.interop.bertopic_export import export_bertopic as export

    path = export(run_dir, output)
    typer.echo(f"Wrote the BERTopic model to {printable(path)}; open it with BERTopic.load({str(path)!r}).")
