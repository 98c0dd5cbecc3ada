"""`topiclab figures`: a saved run's figures in one standalone HTML file (no refit, no re-embedding)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from topiclab.cli.common import app, friendly_errors


@app.command()
@friendly_errors
def figures(
    run_dir: Path = typer.Argument(..., help="A saved run directory (from `topiclab fit`)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="HTML file to write "
                                          "(default: RUN_DIR/figures.html)."),
    which: Optional[List[str]] = typer.Option(None, "--which", "-w", help="A figure to draw by name, repeatable, "
                                              "e.g. document_map or topics_over_time (an unknown name lists them "
                                              "all). Default: all the run can draw."),
    max_points: Optional[int] = typer.Option(None, help="Most points drawn on a document map (default: every "
                                             "document up to 1,000,000 on the 2D map, 10,000 on the 3D map; "
                                             "above that a sample keeping every topic)."),
    title: Optional[str] = typer.Option(None, help="The page's title (default: 'Topics in <run name>')."),
) -> None:
    """Draw a saved run's figures into one HTML file that opens offline.

    A run saved without document projections gets them first, from its saved embeddings, saved into RUN_DIR.
    """
    from topiclab.errors import FigureError
    from topiclab.figures import FIGURES, available_figures, compute_projections, write_html
    from topiclab.results import load_run

    run = load_run(run_dir)
    names = which or list(FIGURES)
    unknown = [name for name in names if name not in FIGURES]
    if unknown:
        raise FigureError(f"Unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}.")
    maps = [name for name in names if FIGURES[name].map_points]
    if maps and not {"2d", "3d"} <= run.projections.keys() and run.embeddings is not None:
        typer.echo(f"Projecting {len(run.documents):,} documents for the map (once; saved into {run.path}) ...")
        compute_projections(run).save()
    if not which:
        names = available_figures(run)
    drawn = [FIGURES[name](run, max_points=max_points) for name in names]
    path = write_html(drawn, output or run.path / "figures.html", title=title or f"Topics in {run.name}")
    typer.echo(f"Wrote {len(drawn)} figure(s) to {path} ({path.stat().st_size / 1e6:.1f} MB): {', '.join(names)}")
