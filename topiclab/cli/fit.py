"""`topiclab fit`: corpus in, saved run out (`topiclab demo` is the sample's report, in cli/report.py)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.cli.common import ConfigOption, ModelOption, SetOption, app, friendly_errors, overrides_from, printable


@app.command()
@friendly_errors
def fit(
    corpus: Path = typer.Argument(..., help="CSV, TSV, Parquet, JSONL file, or a folder of .txt files."),
    text_col: Optional[str] = typer.Option(None, help="Column with the texts (detected when obvious)."),
    id_col: Optional[str] = typer.Option(None, help="Column with document ids, kept in the results."),
    timestamp_col: Optional[str] = typer.Option(None, help="Column with dates, for topics over time."),
    class_col: Optional[str] = typer.Option(None, help="Column with known classes, to score topics (NMI, ARI)."),
    output_dir: Path = typer.Option(Path("outputs"), "--output-dir", "-o", help="Where run directories go."),
    name: Optional[str] = typer.Option(None, help="Run name (default: the corpus file's name)."),
    model: Optional[str] = ModelOption,
    seed: Optional[int] = typer.Option(None, help="Random seed (default 42); same seed, same topics."),
    min_cluster_size: Optional[int] = typer.Option(None, help="Smallest topic, in documents (default: auto)."),
    nr_topics: Optional[str] = typer.Option(None, help="Merge down to this many topics, or 'auto'."),
    dedupe: Optional[bool] = typer.Option(None, "--dedupe/--keep-duplicates", help="Drop exact duplicate texts."),
    sample: Optional[int] = typer.Option(None, help="Fit on a seeded random sample of this many documents."),
    cache: Optional[bool] = typer.Option(None, "--cache/--no-cache", help="Use the on-disk embedding cache."),
    config: Optional[Path] = ConfigOption,
    settings: Optional[List[str]] = SetOption,
) -> None:
    """Fit topics on a corpus and save the run to OUTPUT_DIR/NAME."""
    from topiclab.workflow import fit_run

    overrides = overrides_from({
        "corpus.text_col": text_col, "corpus.id_col": id_col, "corpus.timestamp_col": timestamp_col,
        "corpus.class_col": class_col, "corpus.dedupe": dedupe, "corpus.sample": sample, "embedding.model": model,
        "embedding.cache": cache, "seed": seed, "hdbscan.min_cluster_size": min_cluster_size,
        "topics.nr_topics": None if nr_topics is None else (nr_topics if nr_topics == "auto" else int(nr_topics)),
    }, settings)
    run = fit_run(corpus, config, output_dir=output_dir, name=name, **overrides)
    print_summary(run)


def print_summary(run) -> None:
    metrics = run.metrics
    typer.echo(f"Saved run '{printable(run.name)}' to {printable(run.path)}")
    typer.echo(f"  {run.manifest['corpus']['n_documents']:,} documents, {metrics['n_topics']} topics, "
               f"{metrics['outlier_share']:.1%} outliers, NPMI {metrics['npmi']:.3f}, diversity {metrics['diversity']:.2f}"
               + (f", NMI {metrics['nmi']:.2f}, ARI {metrics['ari']:.2f}" if "nmi" in metrics else ""))
    for reason, count in run.manifest["corpus"]["dropped"].items():
        if count:
            typer.echo(f"  dropped {count:,} {printable(reason)}")
    too_long = run.manifest["embedding"].get("n_too_long", 0)
    if too_long:
        typer.echo(f"  {too_long:,} documents were longer than the model's window and were truncated "
                   "(--set embedding.long_documents=chunk embeds them whole)")
    for _, row in run.topics.head(12).iterrows():
        typer.echo(f"  {row['size']:>6,}  {printable(row['label'])}")
    if len(run.topics) > 12:
        typer.echo(f"  ... and {len(run.topics) - 12} more in {printable(run.path / 'topics.csv')}")
