"""`topiclab fit`: corpus in, saved run out (`topiclab demo` is the sample's report, in cli/report.py)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.cli.common import ConfigOption, SetOption, app, friendly_errors, overrides_from, printable
from topiclab.options import COMPUTE, CORPUS, LABELS, MODEL, with_options


@app.command()
@friendly_errors
@with_options(CORPUS, MODEL, LABELS, COMPUTE)
def fit(
    corpus: Path = typer.Argument(..., help="CSV, TSV, Parquet, JSONL file, or a folder of .txt files."),
    output_dir: Path = typer.Option(Path("outputs"), "--output-dir", "-o", help="Where run folders go."),
    name: Optional[str] = typer.Option(None, help="Run name (default: the corpus file's name). Fitting into an "
                                                  "existing run keeps its hand-set labels and edits."),
    config: Optional[Path] = ConfigOption,
    settings: Optional[List[str]] = SetOption,
    given_settings: dict = None,
) -> None:
    """Fit topics on a corpus and save the run to OUTPUT_DIR/NAME."""
    from topiclab.workflow import fit_run

    run = fit_run(corpus, config, output_dir=output_dir, name=name, **overrides_from(given_settings, settings))
    print_summary(run)


def print_summary(run) -> None:
    metrics = run.metrics
    typer.echo(f"Saved run '{printable(run.name)}' to {printable(run.path)}")
    typer.echo(f"  {run.manifest['corpus']['n_documents']:,} documents, {metrics['n_topics']} topics, "
               f"{metrics['outlier_share']:.1%} outliers, NPMI {metrics['npmi']:.3f}, diversity {metrics['diversity']:.2f}"
               + (f", NMI {metrics['nmi']:.2f}, ARI {metrics['ari']:.2f}" if "nmi" in metrics else ""))
    clustering = run.manifest.get("clustering", {})
    if clustering.get("sampled"):
        typer.echo(f"  {clustering['note']}")
    if run.levels is not None and len(run.levels) > 1:
        counts = ", ".join(f"{row.level}: {row.topics}" + (" (chosen)" if row.chosen else "")
                           for row in run.levels.itertuples())
        typer.echo(f"  granularities (level: topics): {counts}; `topiclab levels {run.path} --use N` switches")
    for reason, count in run.manifest["corpus"]["dropped"].items():
        if count:
            typer.echo(f"  dropped {count:,} {printable(reason)}")
    too_long = run.manifest["embedding"].get("n_too_long", 0)
    if too_long:
        typer.echo(f"  {too_long:,} documents were longer than the model's window and were truncated "
                   "(--set embedding.long_documents=chunk embeds them whole)")
    carried = run.manifest.get("carried")
    if carried:
        typer.echo(f"  kept from the earlier run here: {len(carried['labels'])} hand-set label(s), "
                   f"{len(carried['edits'])} edit(s)")
        for topic, label in carried["labels_unplaced"].items():
            typer.secho(f"  the label {printable(label)!r} of earlier topic {topic} matches no new topic: set it "
                        "again with `topiclab set-label` (kept in the manifest)", fg=typer.colors.YELLOW)
    print_topics(run)


def print_topics(run, limit: int = 12) -> None:
    for _, row in run.topics.head(limit).iterrows():
        typer.echo(f"  {row['size']:>6,}  {printable(row['label'])}")
    if len(run.topics) > limit:
        typer.echo(f"  ... and {len(run.topics) - limit} more in {run.path / 'topics.csv'}")
