"""`topiclab warmup`: compile what a fit compiles (numba's code of EVoC, UMAP, pynndescent) once, after installing."""

from __future__ import annotations

import typer

from topiclab.cli.common import app, friendly_errors


@app.command()
@friendly_errors
def warmup(
    force: bool = typer.Option(False, "--force", help="Compile again even when the cache is warm."),
) -> None:
    """Compile and cache the numba code every fit runs, so the first fit on this machine is as fast as the next.

    `make` runs it after installing; a fit runs it first when nothing was compiled yet. Running it again
    changes nothing (it checks the cache and returns), unless the CPU or a package version changed.
    """
    from topiclab.pipeline.warmup import stamp_path, warm_up

    seconds = warm_up(show=True, force=force)
    stamp = stamp_path()
    if stamp is None:
        typer.echo("numba finds no writable cache folder (set NUMBA_CACHE_DIR): each process compiles its own code.")
    elif seconds is None:
        typer.echo(f"numba's compiled code is up to date for this machine ({stamp.parent}): nothing to do.")
    else:
        typer.echo(f"Compiled numba's code in {seconds:.0f} s and cached it (stamped in {stamp}).")
