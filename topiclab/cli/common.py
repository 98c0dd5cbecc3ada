"""The Typer app every command module registers on, and the helpers they share."""

from __future__ import annotations

import functools
import re
from typing import Callable, List, Optional

import typer

from topiclab.errors import TopicLabError

app = typer.Typer(
    help="Topic modeling for text corpora: embed, cluster and describe topics, offline, with saved runs.\n\n"
         "Start with `topiclab demo`, then `topiclab fit your.csv --text-col body`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def friendly_errors(command: Callable) -> Callable:
    """Show TopicLabError messages without a traceback; they say what to fix."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TopicLabError as exc:
            typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2) from None

    return wrapper


def overrides_from(options: dict, settings: Optional[List[str]]) -> dict:
    """Dotted config overrides from named CLI options (None = not given) and `--set key=value` items."""
    from topiclab.config import parse_override

    overrides = {key: value for key, value in options.items() if value is not None}
    overrides.update(parse_override(item) for item in settings or [])
    return overrides


ConfigOption = typer.Option(None, "--config", "-c", help="YAML file with settings (sections corpus, embedding, "
                            "umap, hdbscan, vectorizer, topics, labels). Flags override it.", exists=True,
                            dir_okay=False)
SetOption = typer.Option(None, "--set", help="Any setting as section.key=value, e.g. --set umap.n_neighbors=10. "
                         "Repeatable.")
RunArgument = typer.Argument(..., help="A saved run folder (from `topiclab fit`).", exists=True, file_okay=False)

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(text) -> str:
    """Corpus or run text made safe to print: no control characters or terminal escape sequences."""
    return _CONTROL.sub("", str(text)).replace("\n", " ").replace("\t", " ")


def note_ignored_settings(run) -> None:
    """Say which settings saved in a run folder were not used (endpoints, key variables, paths)."""
    for key, value in run.ignored_settings.items():
        typer.secho(f"Note: the run's saved {key} ({terminal_text(value)}) was not used: endpoints, key variables "
                    "and paths come from your own command line or config file.", fg=typer.colors.YELLOW, err=True)
