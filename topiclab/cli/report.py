"""`topiclab report`, `topiclab demo` and `topiclab batch`: corpora in, shareable HTML reports out."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.cli.common import ConfigOption, SetOption, app, friendly_errors, overrides_from, printable
from topiclab.files import slugify
from topiclab.options import BY_NAME, COMPUTE, CORPUS, LABELS, MODEL, with_options

KernelOption = typer.Option(None, "--kernel", help="Jupyter kernel to run the notebook in (default: one registered "
                            "for this Python, named 'topiclab').")
TitleOption = typer.Option(None, help="The report's title (default: 'Topics in <corpus>').")


@app.command()
@friendly_errors
@with_options(CORPUS, MODEL, LABELS, COMPUTE)
def report(
    corpus: str = typer.Argument(..., help="CSV, TSV, Parquet, JSONL file, a folder of .txt files, or 'sample'."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Report folder (default: outputs/<corpus name>)."),
    title: Optional[str] = TitleOption,
    config: Optional[Path] = ConfigOption,
    settings: Optional[List[str]] = SetOption,
    kernel: Optional[str] = KernelOption,
    given_settings: dict = None,
) -> None:
    """Fit a corpus (or reopen its saved run) and write an interactive report: OUTPUT/report.html.

    OUTPUT also holds report.ipynb and run/ (the saved run). The HTML file opens offline in any browser.
    """
    from topiclab.report import make_report

    overrides = overrides_from(given_settings, settings)
    output = output or Path("outputs") / slugify(Path(corpus).stem, "report")
    typer.echo(f"Writing the report of {printable(corpus)} to {printable(output)}/ ...")
    result = make_report(corpus, output, config=config, settings=overrides, title=title, kernel=kernel, progress=True)
    print_result(result)


@app.command()
@friendly_errors
def demo(
    output: Path = typer.Option(Path("outputs/bbc-news-demo"), "--output", "-o", help="Report folder."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=BY_NAME["model"].description()),
    kernel: Optional[str] = KernelOption,
) -> None:
    """Report on the built-in BBC News sample (2,225 articles, 5 classes): OUTPUT/report.html."""
    from topiclab.report import SAMPLE, make_report

    typer.echo(f"Writing the report of the BBC News sample to {output}/ (the first run embeds 2,225 articles: "
               "a few minutes on a laptop; later runs reuse the cached embeddings) ...")
    result = make_report(SAMPLE, output, settings=overrides_from({"embedding.model": model}, None), kernel=kernel,
                         progress=True)
    print_result(result)


@app.command()
@friendly_errors
def batch(
    batch_file: Path = typer.Argument(..., help="YAML file listing corpora and settings variants.", exists=True,
                                      dir_okay=False),
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Where report folders and index.html "
                                              "go (default: the file's output_dir, else outputs)."),
    workers: Optional[int] = typer.Option(None, min=1,
                                          help="Reports run at once (default: the file's workers, else 1)."),
    kernel: Optional[str] = KernelOption,
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=BY_NAME["scheduler"].description()
                                            + " For every report (the file's scheduler: otherwise)."),
) -> None:
    """Run one report per corpus and settings variant, then write index.html linking them all.

    Finished reports are skipped: after an interruption the same command resumes.

    A failing report is recorded with its error and the others go on; the exit code is then 1.
    """
    from topiclab.report import run_batch

    try:
        results, index = run_batch(batch_file, output_dir=output_dir, workers=workers, kernel=kernel,
                                   scheduler=scheduler)
    except KeyboardInterrupt:
        typer.secho("Interrupted. Run the same command again to resume: finished reports are skipped.",
                    fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(code=130) from None
    for result in results:
        figures = _figures(result.summary) if result.status != "failed" else printable(result.error, multiline=True)
        typer.echo(f"  {result.status:<8} {printable(result.name):<32} {figures}")
    failed = [r for r in results if r.status == "failed"]
    typer.echo(f"{len(results) - len(failed)} of {len(results)} reports ready; index: {printable(index)}")
    if failed:
        raise typer.Exit(code=1)


def print_result(result) -> None:
    typer.echo(f"Report: {printable(result.html)}  ({_figures(result.summary)}; {result.seconds:.0f} s)")
    typer.echo(f"Notebook: {printable(result.directory / 'report.ipynb')}   Run: {printable(result.run_dir)}")


def _figures(summary: dict) -> str:
    if not summary:
        return ""
    return (f"{summary['documents']:,} documents, {summary['topics']} topics, {summary['outlier_share']:.1%} outliers, "
            f"NPMI {summary['npmi']:.3f}")
