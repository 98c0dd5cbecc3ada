"""The Typer app every command module registers on, and the helpers they share."""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, List, Optional

import typer

from topiclab.errors import TopicLabError

app = typer.Typer(
    help="Topic modeling for text corpora: embed, cluster and describe topics, offline, with saved runs.\n\n"
         "Start with `topiclab demo`, then `topiclab fit your.csv --text-col body`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Characters a terminal acts on instead of showing: C0 and C1 controls (ESC starts colour, cursor and title
#: sequences; C1 CSI does so alone), DEL, and Unicode's bidirectional overrides, which reorder what is shown.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(value: Any, multiline: bool = False) -> str:
    """`value` as text safe to print: control characters shown escaped (`\\x1b`), so a label, document or
    file name can neither recolour nor rewrite the terminal. Newlines stay when `multiline`, else show as `\\n`."""
    pattern = _CONTROL_BUT_NEWLINE if multiline else _CONTROL
    return pattern.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), str(value))


def friendly_errors(command: Callable) -> Callable:
    """Show TopicLabError messages without a traceback; they say what to fix."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TopicLabError as exc:
            typer.secho(f"Error: {printable(exc, multiline=True)}", fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2) from None

    return wrapper


def overrides_from(options: dict, settings: Optional[List[str]]) -> dict:
    """Dotted config overrides from named CLI options (None = not given) and `--set key=value` items."""
    from topiclab.config import parse_override

    overrides = {key: value for key, value in options.items() if value is not None}
    overrides.update(parse_override(item) for item in settings or [])
    return overrides


ConfigOption = typer.Option(None, "--config", "-c", help="YAML file with settings (sections corpus, embedding, "
                            "umap, clustering, vectorizer, topics, labels). Flags override it.", exists=True,
                            dir_okay=False)
SetOption = typer.Option(None, "--set", help="Any setting as section.key=value, e.g. --set umap.n_neighbors=10. "
                         "Repeatable.")
RunArgument = typer.Argument(..., help="A saved run folder (from `topiclab fit`).", exists=True, file_okay=False)


def note_ignored_settings(run) -> None:
    """Say which settings saved in a run folder were not used (endpoints, key variables, paths)."""
    for key, value in run.ignored_settings.items():
        typer.secho(f"Note: the run's saved {key} ({printable(value)}) was not used: endpoints, key variables "
                    "and paths come from your own command line or config file.", fg=typer.colors.YELLOW, err=True)
